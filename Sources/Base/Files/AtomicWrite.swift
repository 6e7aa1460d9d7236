import Foundation

/// Writes a file whole or not at all: into a temporary file in the same folder (so the rename
/// cannot cross file systems), flushed to disk, then renamed over the target. On any failure the
/// temporary file is removed and the target is left as it was.
public enum AtomicWrite {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        do {
            try writeAndSync(data, to: temporary)
        } catch let error as PlaceError {
            unlink(temporary)
            throw PlaceError(path, "cannot write: \(error.message)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PlaceError(path, "cannot move the finished file into place: \(reason)")
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    private static func writeAndSync(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PlaceError(path, systemReason()) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw PlaceError(path, systemReason())
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw PlaceError(path, systemReason()) }
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
