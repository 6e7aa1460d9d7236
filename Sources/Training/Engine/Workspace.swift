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

    /// A 64-byte aligned buffer of `count` floats, zero-filled (which also maps its pages now,
    /// not in the middle of the first step).
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("PrefLab could not allocate \(bytes) bytes of activations")
        }
        memset(raw, 0, bytes)
        let buffer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        buffers.append(buffer)
        floats += count
        return buffer
    }
}
