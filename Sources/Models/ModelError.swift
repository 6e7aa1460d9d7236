import Base

/// An error loading or saving a model: which file, which tensor (when one is involved), what.
public struct ModelError: UserFacingError, Equatable {
    public let file: String
    public let tensor: String?
    public let message: String

    public init(file: String, tensor: String? = nil, _ message: String) {
        self.file = file
        self.tensor = tensor
        self.message = message
    }

    public var place: String { file + (tensor.map { ": tensor '\($0)'" } ?? "") }
}
