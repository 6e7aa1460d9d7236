import Tensor

extension GGUFTensorType {
    /// `bytes` holding a tensor of this type and row-major `shape`, decoded to Float32; rows of
    /// blocks are split between the cores.
    func decode(_ bytes: UnsafeRawBufferPointer, shape: [Int]) throws -> Tensor {
        switch decoding {
        case .plain(let dtype):
            return try Tensor(bytes: bytes, dtype: dtype, shape: shape)
        case .blocks(let decodeBlocks):
            let rowLength = shape.last ?? 1
            let rows = shape.dropLast().reduce(1, *), blocksPerRow = rowLength / blockElements, rowBytes = blocksPerRow * blockBytes
            guard let source = bytes.baseAddress, bytes.count == rows * rowBytes else {
                throw TensorError(op: "from_bytes", "shape \(shape) of \(name) needs \(rows * rowBytes) bytes, got \(bytes.count)")
            }
            return try Tensor(shape: shape) { out in
                Parallel.forEachRange(rows, cost: rowLength) { range in
                    decodeBlocks(source + range.lowerBound * rowBytes, out + range.lowerBound * rowLength, range.count * blocksPerRow)
                }
            }
        }
    }
}
