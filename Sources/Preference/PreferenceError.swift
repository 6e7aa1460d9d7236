import Training

/// A preference-training mistake a researcher can fix: a bad option, an unusable pair file, an
/// unknown loss. The same type as the training layer's, so the trainer and the language handle
/// one kind of error: `place` names where (an option, `file:line`), `message` what is wrong.
public typealias PreferenceError = TrainingError
