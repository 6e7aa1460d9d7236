import Foundation

/// Writes a file whole or not at all: into a temporary file in the same folder (so the rename
/// cannot cross file systems), flushed to disk, then renamed over the target. On any failure the
/// temporary file is removed and the target is left as it was.
public enum AtomicWrite {
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { append in try data.withUnsafeBytes { try append($0) } }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Streams a file: `produce` hands its bytes to `append` piece by piece, so a large file
    /// (a checkpoint, a GGUF model) never has to be whole in memory. An error `produce` throws
    /// is passed on as it is, after the temporary file is removed.
    public static func write(to path: String, _ produce: (_ append: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        do {
            try writeAndSync(to: temporary, produce)
        } catch let error as PlaceError {
            unlink(temporary)
            throw PlaceError(path, "cannot write: \(error.message)")
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PlaceError(path, "cannot move the finished file into place: \(reason)")
        }
    }

    private static func writeAndSync(to path: String, _ produce: (_ append: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw PlaceError(path, systemReason()) }
        defer { close(descriptor) }
        try produce { bytes in
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
