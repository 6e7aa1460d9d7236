/// A mistake a researcher can fix, reported as `place: message`: the place names where (an
/// option, `file:line`, a file and tensor, an operation) and the message what is wrong.
///
/// Every layer's errors adopt it, so the interpreter turns all of them into a located language
/// error in one place (where it calls a builtin) and no layer wraps another's errors.
public protocol UserFacingError: Error, CustomStringConvertible {
    var place: String { get }
    var message: String { get }
    /// Whether a caller's name belongs in front of the place (`pref_train: lr: …`). A tensor
    /// error's place is already the operation the user called, so it says no.
    var namesCaller: Bool { get }
}

extension UserFacingError {
    public var description: String { "\(place): \(message)" }
    public var namesCaller: Bool { true }
}

/// The plain user-facing error: a place and a message. The training and preference layers throw
/// it (as `TrainingError`, `PreferenceError`), and so do this module's file helpers.
public struct PlaceError: UserFacingError, Equatable {
    public let place: String
    public let message: String

    public init(_ place: String, _ message: String) {
        self.place = place
        self.message = message
    }
}
