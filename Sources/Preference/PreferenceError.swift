/// A preference-training mistake a researcher can fix: a bad option, an unusable pair file, an
/// unknown loss. `place` names where (an option, `file:line`); `message` says what is wrong.
public struct PreferenceError: Error, Equatable, CustomStringConvertible {
    public let place: String
    public let message: String

    public init(_ place: String, _ message: String) {
        self.place = place
        self.message = message
    }

    public var description: String { "\(place): \(message)" }
}
