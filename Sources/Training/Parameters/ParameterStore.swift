import Base
import Foundation
import Tensor

/// Every trainable parameter of a model in one contiguous Float32 buffer, with a gradient buffer
/// of the same layout (as llm.c lays them out): optimisers, clipping and checkpoints walk one
/// array instead of hundreds of tensors.
public final class ParameterStore: @unchecked Sendable {
    /// One parameter: where it sits in the buffers and how it is optimised.
    public struct Entry: Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public let count: Int
        /// Matrices decay; norms, biases and other vectors do not (the usual parameter groups).
        public let decays: Bool
    }

    public let entries: [Entry]
    /// Total number of parameters.
    public let count: Int
    public let values: UnsafeMutablePointer<Float>
    public let gradients: UnsafeMutablePointer<Float>
    private let index: [String: Int]

    /// Parameters named and shaped as given, in that order, all zero.
    public init(_ layout: [(name: String, shape: [Int])]) {
        var entries: [Entry] = []
        var offset = 0
        for (name, shape) in layout {
            let count = shape.reduce(1, *)
            entries.append(Entry(name: name, shape: shape, offset: offset, count: count, decays: shape.count >= 2))
            offset += Self.aligned(count)
        }
        self.entries = entries
        self.count = offset
        values = AlignedBuffer.allocate(offset, zeroed: true, purpose: "for parameters")
        gradients = AlignedBuffer.allocate(offset, zeroed: true, purpose: "for parameters")
        index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    deinit {
        free(values)
        free(gradients)
    }

    /// Floats of the boundary each parameter starts on (64 bytes), so SIMD loops over it stay aligned.
    static let alignment = 16

    /// Floats a parameter of `count` values takes in each buffer, its padding to `alignment` included.
    static func aligned(_ count: Int) -> Int { (count + alignment - 1) / alignment * alignment }

    /// Floats a store of parameters shaped `shapes` allocates, values and gradients together.
    /// (Shapes come from a config whose sizes are capped at 2^24, so no count overflows.)
    static func floatsNeeded(_ shapes: [[Int]]) -> Double {
        2 * shapes.reduce(0) { $0 + Double(aligned($1.reduce(1, *))) }
    }

    /// The first value that is NaN, by parameter and element. Training never writes one (a step
    /// whose loss or gradient is not finite is refused), so one read from a file means the file
    /// is corrupt.
    func firstNaN() -> (name: String, index: Int)? {
        for entry in entries {
            let buffer = UnsafeBufferPointer(start: values + entry.offset, count: entry.count)
            if let index = buffer.firstIndex(where: \.isNaN) { return (entry.name, index) }
        }
        return nil
    }

    /// Number of parameters excluding alignment padding.
    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// The values of parameter `name`; nil when there is none.
    public func value(_ name: String) -> UnsafeMutablePointer<Float>? { entry(name).map { values + $0.offset } }

    /// The gradient of parameter `name`; nil when there is none.
    public func gradient(_ name: String) -> UnsafeMutablePointer<Float>? { entry(name).map { gradients + $0.offset } }

    public func zeroGradients() { memset(gradients, 0, count * MemoryLayout<Float>.stride) }

    /// A copy of parameter `name` as a tensor.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entry(name) else { throw TrainingError(name, "no such parameter") }
        return try Tensor(Array(UnsafeBufferPointer(start: values + entry.offset, count: entry.count)), shape: entry.shape)
    }

    /// A copy of the gradient of parameter `name` as a tensor.
    public func gradientTensor(_ name: String) throws -> Tensor {
        guard let entry = entry(name) else { throw TrainingError(name, "no such parameter") }
        return try Tensor(Array(UnsafeBufferPointer(start: gradients + entry.offset, count: entry.count)), shape: entry.shape)
    }

    /// Copies `tensor` into parameter `name`, checking the shape.
    public func set(_ name: String, _ tensor: Tensor) throws {
        guard let entry = entry(name) else { throw TrainingError(name, "no such parameter") }
        guard tensor.shape == entry.shape else {
            throw TrainingError(name, "has shape \(tensor.shape), expected \(entry.shape)")
        }
        tensor.scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { (values + entry.offset).update(from: base, count: entry.count) }
        }
    }
}
