import Foundation

/// Shape arithmetic shared by every operation: strides, axes and NumPy broadcasting.
enum Shape {
    /// Row-major strides of a contiguous tensor of `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    static var maximumCount: Int { TensorLimits.maximumElements }

    /// Checks that every extent is non-negative and the tensor fits in physical memory,
    /// so a mistyped shape is an error rather than an out-of-memory crash.
    ///
    /// The limit applies to the product of the non-zero extents even when another extent is 0:
    /// then every shape derived by dropping, reordering or shrinking axes (a reduction's result,
    /// a transpose, a slice) fits as well, and counting its elements cannot overflow.
    @discardableResult
    static func validate(_ shape: [Int], op: String) throws -> Int {
        var nonZeroProduct = 1
        for extent in shape {
            guard extent >= 0 else { throw TensorError(op: op, "negative extent in shape \(shape)") }
            guard extent > 0 else { continue }
            let (product, overflow) = nonZeroProduct.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= maximumCount else {
                throw TensorError(op: op, shape.contains(0)
                    ? "shape \(shape) is too large: its non-zero extents alone need more memory than this machine has"
                    : "shape \(shape) needs more memory than this machine has")
            }
            nonZeroProduct = product
        }
        return shape.contains(0) ? 0 : nonZeroProduct
    }

    /// Maps a possibly negative axis into `0..<rank`.
    static func axis(_ axis: Int, rank: Int, op: String, shape: [Int]) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else { throw TensorError.badAxis(op, axis: axis, shape: shape) }
        return resolved
    }

    /// NumPy broadcasting: trailing extents must be equal or 1.
    static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if x == y || y == 1 {
                result[i] = x
            } else if x == 1 {
                result[i] = y
            } else {
                throw TensorError.shapeMismatch(op, a, b, reason: "cannot be broadcast together")
            }
        }
        return result
    }

    /// Strides that read a tensor of `shape`/`strides` as if it had the larger `target` shape (stride 0 on broadcast axes).
    static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
        let lead = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[lead + i] == 1 {
            result[lead + i] = shape[i] == 1 ? 0 : strides[i]
        }
        return result
    }

    /// Merges adjacent axes that every operand walks contiguously, so inner loops run as long as possible.
    static func coalesce(shape: [Int], strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        guard !shape.isEmpty else { return ([], strides) }
        var outShape = [shape[0]]
        var outStrides = strides.map { [$0[0]] }
        for axis in 1..<shape.count {
            let extent = shape[axis]
            if extent == 1 { continue }
            let last = outShape.count - 1
            if outShape[last] == 1 {
                outShape[last] = extent
                for k in 0..<strides.count { outStrides[k][last] = strides[k][axis] }
                continue
            }
            let mergeable = (0..<strides.count).allSatisfy { outStrides[$0][last] == strides[$0][axis] * extent }
            if mergeable {
                outShape[last] *= extent
                for k in 0..<strides.count { outStrides[k][last] = strides[k][axis] }
            } else {
                outShape.append(extent)
                for k in 0..<strides.count { outStrides[k].append(strides[k][axis]) }
            }
        }
        return (outShape, outStrides)
    }
}

/// Process-wide limits on tensor sizes.
public enum TensorLimits {
    /// The most Float32 elements one tensor may hold; by default the machine's physical memory.
    /// A larger shape is an error before anything is allocated. Harnesses that run untrusted
    /// programs (the fuzzer) lower it.
    nonisolated(unsafe) public static var maximumElements = Int(ProcessInfo.processInfo.physicalMemory / 4)
}
