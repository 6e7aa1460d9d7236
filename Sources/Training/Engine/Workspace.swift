import Base
import Foundation

/// The activation and gradient buffers of one (batch, length) shape, allocated once and reused
/// step after step; rebuilt only when the shape changes.
final class Workspace {
    let batch: Int
    let length: Int
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private(set) var floats = 0

    init(batch: Int, length: Int) {
        self.batch = batch
        self.length = length
    }

    deinit { for buffer in buffers { free(buffer) } }

    /// A zero-filled buffer of `count` floats.
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = AlignedBuffer.allocate(count, zeroed: true, purpose: "of activations")
        buffers.append(buffer)
        floats += count
        return buffer
    }

    /// A zero-filled buffer of `count` row indices (each the size of a float).
    func takeIndices(_ count: Int) -> UnsafeMutablePointer<Int32> {
        UnsafeMutableRawPointer(take(count)).bindMemory(to: Int32.self, capacity: count)
    }
}
