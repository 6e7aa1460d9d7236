/// Reductions along one axis of a contiguous tensor viewed as [outer, length, inner].
enum ReductionKernels {
    typealias Vector = SIMD8<Float>

    /// Folds `length` values of each (outer, inner) position with `combine`, starting from `initial`.
    ///
    /// When `inner` is 1 the values of a row are adjacent and the fold runs across vector lanes,
    /// finished by `horizontal`; otherwise whole inner rows are combined lane by lane.
    /// With `exactSum`, blocks of 1024 are summed in Float and the blocks in Double, so long sums
    /// keep their precision.
    @inline(__always)
    static func fold(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                     outer: Int, length: Int, inner: Int, initial: Float, exactSum: Bool = false,
                     _ combine: (Vector, Vector) -> Vector, horizontal: (Vector) -> Float) {
        if inner == 1 {
            if outer == 1 && length >= Parallel.minimumParallelCount {
                output[0] = foldLongRow(input, length: length, initial: initial, exactSum: exactSum, combine, horizontal: horizontal)
                return
            }
            Parallel.forEachRange(outer, cost: length) { rows in
                for row in rows {
                    output[row] = foldRow(input + row * length, length: length, initial: initial,
                                          exactSum: exactSum, combine, horizontal: horizontal)
                }
            }
            return
        }
        Parallel.forEachRange(outer, cost: length * inner) { rows in
            for row in rows {
                let out = output + row * inner
                let source = input + row * length * inner
                var j = 0
                while j + 8 <= inner {
                    var acc = Vector(repeating: initial)
                    for k in 0..<length { acc = combine(acc, VectorMath.load(source + k * inner + j)) }
                    VectorMath.store(acc, out + j)
                    j += 8
                }
                while j < inner {
                    var acc = Vector(repeating: initial)
                    for k in 0..<length { acc = combine(acc, Vector(repeating: source[k * inner + j])) }
                    out[j] = acc[0]
                    j += 1
                }
            }
        }
    }

    @inline(__always)
    static func foldRow(_ row: UnsafePointer<Float>, length: Int, initial: Float, exactSum: Bool,
                        _ combine: (Vector, Vector) -> Vector, horizontal: (Vector) -> Float) -> Float {
        guard exactSum else { return foldBlock(row, length: length, initial: initial, combine, horizontal: horizontal) }
        var total: Double = 0
        var start = 0
        while start < length {
            let block = min(1024, length - start)
            total += Double(foldBlock(row + start, length: block, initial: initial, combine, horizontal: horizontal))
            start += block
        }
        return Float(total)
    }

    @inline(__always)
    static func foldBlock(_ row: UnsafePointer<Float>, length: Int, initial: Float,
                          _ combine: (Vector, Vector) -> Vector, horizontal: (Vector) -> Float) -> Float {
        var a = Vector(repeating: initial), b = a
        var i = 0
        while i + 16 <= length {
            a = combine(a, VectorMath.load(row + i))
            b = combine(b, VectorMath.load(row + i + 8))
            i += 16
        }
        a = combine(a, b)
        if i < length {
            var tail = Vector(repeating: initial)
            var lane = 0
            while i < length {
                tail[lane] = row[i]
                lane += 1
                i += 1
                if lane == 8 {
                    a = combine(a, tail)
                    tail = Vector(repeating: initial)
                    lane = 0
                }
            }
            a = combine(a, tail)
        }
        return horizontal(a)
    }

    /// One very long row split across cores; the partial results are combined in Double.
    @inline(__always)
    static func foldLongRow(_ row: UnsafePointer<Float>, length: Int, initial: Float, exactSum: Bool,
                            _ combine: (Vector, Vector) -> Vector, horizontal: (Vector) -> Float) -> Float {
        let parts = Parallel.workers
        var partials = [Float](repeating: initial, count: parts)
        partials.withUnsafeMutableBufferPointer { results in
            let out = results.baseAddress!
            Parallel.forEachRange(parts, cost: Parallel.minimumParallelCount) { chunks in
                for chunk in chunks {
                    let start = length * chunk / parts
                    let end = length * (chunk + 1) / parts
                    out[chunk] = foldRow(row + start, length: end - start, initial: initial,
                                         exactSum: exactSum, combine, horizontal: horizontal)
                }
            }
        }
        if exactSum { return Float(partials.reduce(0) { $0 + Double($1) }) }
        return partials.reduce(Vector(repeating: initial)) { combine($0, Vector(repeating: $1)) }[0]
    }
}
