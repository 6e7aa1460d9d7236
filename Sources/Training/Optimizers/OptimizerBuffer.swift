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
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        // Allocation failure is out-of-memory, the one condition PrefLab stops on.
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("PrefLab could not allocate \(bytes) bytes for optimiser state")
        }
        memset(raw, 0, bytes)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
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
