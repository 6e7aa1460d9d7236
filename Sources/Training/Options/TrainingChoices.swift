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

/// What the end of a run writes into its directory. Checkpoints every `checkpoint_every` steps
/// and on Ctrl-C are written whatever this says.
public enum KeepKind: String, SettingChoice {
    /// A checkpoint (weights, optimiser state, data position), from which `resume` continues.
    case resume
    /// The trained weights alone (LoRA adapters merged in), as a model directory `load_model` reads.
    case weights
    /// Nothing: the run's result is the model it trained in memory.
    case none
}
