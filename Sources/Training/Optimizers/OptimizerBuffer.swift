import Base
import Foundation
import Tensor

/// A zeroed, 64-byte-aligned Float32 buffer as long as a `ParameterStore`, for optimiser state.
///
/// It mirrors the store's layout element for element, so one index walks parameters, gradients
/// and state together (as llm.c keeps AdamW's m and v).
final class OptimizerBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int) {
        self.count = count
        pointer = AlignedBuffer.allocate(count, zeroed: true, purpose: "for optimiser state")
    }

    deinit { free(pointer) }

    func zero() { memset(pointer, 0, count * MemoryLayout<Float>.stride) }

    /// A copy as a 1-D tensor of `count` elements.
    var tensor: Tensor { Tensor(Array(UnsafeBufferPointer(start: pointer, count: count))) }

    /// Overwrites the buffer with `tensor`, whose shape the caller has checked is `[count]`.
    func load(_ tensor: Tensor) {
        let dense = tensor.contiguous()
        pointer.update(from: dense.storage.pointer + dense.offset, count: count)
    }
}
