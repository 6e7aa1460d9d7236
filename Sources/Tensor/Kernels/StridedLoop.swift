/// Walks up to three operands of one shape, each with its own strides, row by row.
///
/// Axes that all operands traverse contiguously are merged first, so the innermost loop is as
/// long as the layout allows and a contiguous tensor is a single row.
struct StridedLoop {
    let rowShape: [Int]
    let rowStrides: [[Int]]
    /// Elements per row (the innermost merged axis).
    let rowLength: Int
    /// Step between consecutive row elements, per operand.
    let innerStrides: [Int]
    /// Number of rows.
    let rowCount: Int

    init(shape: [Int], strides: [[Int]]) {
        let merged = Shape.coalesce(shape: shape, strides: strides)
        if merged.shape.isEmpty {
            rowShape = []
            rowStrides = strides.map { _ in [] }
            rowLength = 1
            innerStrides = strides.map { _ in 0 }
        } else {
            rowShape = Array(merged.shape.dropLast())
            rowStrides = merged.strides.map { Array($0.dropLast()) }
            rowLength = merged.shape.last!
            innerStrides = merged.strides.map { $0.last! }
        }
        rowCount = Shape.count(shape) == 0 ? 0 : Shape.count(rowShape)
    }

    /// Calls `body(first, second, third)` with the start offsets of each row in `rows`;
    /// offsets of operands that do not exist are 0.
    func forEachRow(in rows: Range<Int>, _ body: (Int, Int, Int) -> Void) {
        guard !rows.isEmpty else { return }
        let operands = rowStrides.count
        let axes = rowShape.count
        var index = [Int](repeating: 0, count: axes)
        var remainder = rows.lowerBound
        for axis in stride(from: axes - 1, through: 0, by: -1) {
            index[axis] = remainder % rowShape[axis]
            remainder /= rowShape[axis]
        }
        var offsets = (0, 0, 0)
        for axis in 0..<axes {
            offsets.0 += index[axis] * rowStrides[0][axis]
            if operands > 1 { offsets.1 += index[axis] * rowStrides[1][axis] }
            if operands > 2 { offsets.2 += index[axis] * rowStrides[2][axis] }
        }
        for _ in rows {
            body(offsets.0, offsets.1, offsets.2)
            var axis = axes - 1
            while axis >= 0 {
                index[axis] += 1
                offsets.0 += rowStrides[0][axis]
                if operands > 1 { offsets.1 += rowStrides[1][axis] }
                if operands > 2 { offsets.2 += rowStrides[2][axis] }
                if index[axis] < rowShape[axis] { break }
                offsets.0 -= rowStrides[0][axis] * rowShape[axis]
                if operands > 1 { offsets.1 -= rowStrides[1][axis] * rowShape[axis] }
                if operands > 2 { offsets.2 -= rowStrides[2][axis] * rowShape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// `forEachRow` over all rows, split across cores when the work is large.
    func forEachRowInParallel(_ body: (Int, Int, Int) -> Void) {
        let rows = rowCount
        let length = rowLength
        if rows * length >= Parallel.minimumParallelCount {
            Parallel.forEachRange(rows, cost: length) { range in forEachRow(in: range, body) }
        } else {
            forEachRow(in: 0..<rows, body)
        }
    }
}

extension Tensor {
    /// This tensor with its elements in row-major order without gaps; `self` if already so.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let result = Tensor(uninitializedShape: shape)
        let loop = StridedLoop(shape: shape, strides: [result.strides, strides])
        let destination = result.storage.pointer
        let source = base
        let length = loop.rowLength
        let step = loop.innerStrides[1]
        loop.forEachRowInParallel { outOffset, inOffset, _ in
            let out = destination + outOffset
            let input = source + inOffset
            for i in 0..<length { out[i] = input[i * step] }
        }
        return result.recording("contiguous", [self]) { [$0] }
    }
}
