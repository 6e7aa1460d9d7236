import Base

/// The error every tensor operation throws on misuse.
///
/// The message names the operation and the shapes involved, e.g.
/// `add: shapes [2, 3] and [4] cannot be broadcast together`.
public struct TensorError: UserFacingError, Equatable {
    /// The operation that failed (`matmul`, `sum`, `reshape`, …).
    public let op: String
    /// What went wrong, with the shapes or values involved.
    public let message: String

    public init(op: String, _ message: String) {
        self.op = op
        self.message = message
    }

    public var place: String { op }
    /// The operation is the place, and the user called it by that name.
    public var namesCaller: Bool { false }

    static func shapeMismatch(_ op: String, _ shapes: [Int]..., reason: String) -> TensorError {
        let listed = shapes.map { "\($0)" }.joined(separator: " and ")
        return TensorError(op: op, "shapes \(listed) \(reason)")
    }

    static func badAxis(_ op: String, axis: Int, shape: [Int]) -> TensorError {
        TensorError(op: op, "axis \(axis) is out of range for a tensor of rank \(shape.count) with shape \(shape)")
    }
}
