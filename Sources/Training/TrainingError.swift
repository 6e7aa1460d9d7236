import Base

/// A training mistake a researcher can fix: a bad option, unusable data, a broken checkpoint.
/// `place` names where (an option, a file, a file and tensor); `message` says what is wrong.
public typealias TrainingError = PlaceError
