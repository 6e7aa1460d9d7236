/// An eight-lane function as a type, so `ElementwiseKernels.map` is specialised for it and the
/// function is inlined into the loop. (A closure reaches the loop through Dispatch's worker
/// closure and stays an indirect call per vector, which costs compute-bound kernels ~20 %.)
protocol VectorMap {
    func callAsFunction(_ x: SIMD8<Float>) -> SIMD8<Float>
}

/// A closure as a `VectorMap`, for cheap memory-bound maps where the call does not matter.
struct ClosureMap: VectorMap {
    let body: (SIMD8<Float>) -> SIMD8<Float>
    @inline(__always) func callAsFunction(_ x: SIMD8<Float>) -> SIMD8<Float> { body(x) }
}

/// Loops that apply an eight-lane function over contiguous or strided operands.
///
/// Tails run through the same vector function on a padded register, so the last elements get
/// exactly the arithmetic the others get.
enum ElementwiseKernels {
    typealias Vector = SIMD8<Float>

    /// `output[i] = f(input[i])` for `count` contiguous elements, split across cores when large.
    @inline(__always)
    static func map<F: VectorMap>(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                                  cost: Int = 1, _ f: F) {
        Parallel.forEachRange(count / 8 + 1, cost: 8 * cost) { blocks in
            let start = blocks.lowerBound * 8
            let end = min(blocks.upperBound * 8, count)
            var i = start
            while i + 8 <= end {
                VectorMath.store(f(VectorMath.load(input + i)), output + i)
                i += 8
            }
            if i < end {
                var padded = Vector(repeating: 0)
                for lane in 0..<(end - i) { padded[lane] = input[i + lane] }
                let result = f(padded)
                for lane in 0..<(end - i) { output[i + lane] = result[lane] }
            }
        }
    }

    /// `output[i] = f(a[i], b[i])` for `count` contiguous elements.
    @inline(__always)
    static func zip(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
                    _ f: (Vector, Vector) -> Vector) {
        Parallel.forEachRange(count / 8 + 1, cost: 8) { blocks in
            let start = blocks.lowerBound * 8
            let end = min(blocks.upperBound * 8, count)
            row(a, 1, b, 1, output, from: start, to: end, f)
        }
    }

    /// One row of a broadcast binary operation: `output[i] = f(a[i·aStep], b[i·bStep])` for i in start..<end.
    @inline(__always)
    static func row(_ a: UnsafePointer<Float>, _ aStep: Int, _ b: UnsafePointer<Float>, _ bStep: Int,
                    _ output: UnsafeMutablePointer<Float>, from start: Int, to end: Int,
                    _ f: (Vector, Vector) -> Vector) {
        var i = start
        switch (aStep, bStep) {
        case (1, 1):
            while i + 8 <= end {
                VectorMath.store(f(VectorMath.load(a + i), VectorMath.load(b + i)), output + i)
                i += 8
            }
        case (1, 0):
            let splat = Vector(repeating: b[0])
            while i + 8 <= end {
                VectorMath.store(f(VectorMath.load(a + i), splat), output + i)
                i += 8
            }
        case (0, 1):
            let splat = Vector(repeating: a[0])
            while i + 8 <= end {
                VectorMath.store(f(splat, VectorMath.load(b + i)), output + i)
                i += 8
            }
        default:
            break
        }
        while i < end {
            let lanes = min(8, end - i)
            var x = Vector(repeating: 0), y = Vector(repeating: 0)
            for lane in 0..<lanes {
                x[lane] = a[(i + lane) * aStep]
                y[lane] = b[(i + lane) * bStep]
            }
            let result = f(x, y)
            for lane in 0..<lanes { output[i + lane] = result[lane] }
            i += lanes
        }
    }
}
