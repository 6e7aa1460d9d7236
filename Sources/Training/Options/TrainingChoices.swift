import Base

/// How the learning rate moves over a run (after `warmup` steps of linear warm-up).
public enum ScheduleKind: String, SettingChoice {
    case constant, linear, cosine
}

/// The optimiser that updates the trainable parameters.
public enum OptimizerKind: String, SettingChoice {
    case adamw, sgd
}

/// How examples become rows of `seq_len` tokens.
public enum BatchingKind: String, SettingChoice {
    /// Windows cut from the concatenated documents.
    case pack
    /// One example per sequence, padded.
    case pad

    var mode: BatchMode { self == .pack ? .packing : .padding }
}
