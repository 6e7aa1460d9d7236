import Dispatch
import Tensor

/// The element-wise work of one optimiser step on elements `index ..< index + lanes`.
///
/// A protocol rather than a closure so `ParameterLoop.run` is specialised for each kernel and
/// the update is inlined into the loop.
protocol VectorKernel {
    /// Updates `lanes` (1…8) consecutive elements starting at `index`.
    func apply(_ index: Int, lanes: Int)
}

/// Walking the parameter buffers eight floats at a time, on every core when there is enough work.
enum ParameterLoop {
    typealias Vector = SIMD8<Float>

    /// Buffers shorter than this run on one thread: waking a second costs more than it saves.
    static let minimumParallelCount = 1 << 16

    /// Calls `body` on disjoint ranges that cover `0..<count`: one range when `count` is small,
    /// one per worker otherwise, split on multiples of `grain` (by default 16 floats, so no two
    /// threads write to the same cache line).
    static func forEachChunk(_ count: Int, grain: Int = 16, _ body: (Range<Int>) -> Void) {
        let chunks = count >= minimumParallelCount ? Parallel.workers : 1
        guard chunks > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk == 0 ? 0 : count * chunk / chunks / grain * grain
            let end = chunk == chunks - 1 ? count : count * (chunk + 1) / chunks / grain * grain
            if start < end { body(start..<end) }
        }
    }

    /// Calls `body(range, decays)` on the elements of every parameter of `store`, each element
    /// once, with the parameter's weight-decay group; the alignment padding between parameters
    /// is skipped. Runs on every core when the store is large.
    static func forEachParameter(_ store: ParameterStore, _ body: (Range<Int>, Bool) -> Void) {
        forEachChunk(store.count) { chunk in
            for entry in store.entries {
                let lower = max(entry.offset, chunk.lowerBound)
                let upper = min(entry.offset + entry.count, chunk.upperBound)
                if lower < upper { body(lower..<upper, entry.decays) }
            }
        }
    }

    /// Applies `kernel` to every element of `range`: whole vectors, then one partial vector.
    @inline(__always)
    static func run<K: VectorKernel>(_ kernel: K, over range: Range<Int>) {
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            kernel.apply(index, lanes: 8)
            index += 8
        }
        if index < range.upperBound { kernel.apply(index, lanes: range.upperBound - index) }
    }

    /// Eight floats from `pointer`, or the first `lanes` of them with zeros after, so a partial
    /// vector gets exactly the arithmetic a whole one gets.
    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Float>, lanes: Int) -> Vector {
        if lanes == 8 { return UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self) }
        var vector = Vector(repeating: 0)
        for lane in 0..<lanes { vector[lane] = pointer[lane] }
        return vector
    }

    /// Writes the first `lanes` floats of `vector` to `pointer`.
    @inline(__always)
    static func store(_ vector: Vector, _ pointer: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 8 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: Vector.self)
            return
        }
        for lane in 0..<lanes { pointer[lane] = vector[lane] }
    }
}
