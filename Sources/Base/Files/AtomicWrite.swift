import Foundation

/// Writes a file whole or not at all: into a temporary file in the same folder (so the rename
/// cannot cross file systems), flushed to disk, then renamed over the target. Missing folders on
/// the way are created (`OutputPath`'s rule). On any failure — the folder, the temporary file, a
/// write cut short by a full disk or a size limit, the flush, the rename, or an error of the
/// producer — the temporary file is removed and the target is left as it was; the error is
/// `FileFailure`'s one line naming the target.
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
        let folder = OutputPath.folder(of: path)
        try OutputPath.createFolder(folder)
        let temporary = folder + "/.\(URL(fileURLWithPath: path).lastPathComponent).\(getpid()).tmp"
        do {
            try writeAndSync(temporary, for: path, produce)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileFailure.error(path, errno: code, .writing)
        }
    }

    private static func writeAndSync(_ temporary: String, for path: String,
                                     _ produce: (_ append: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputPath.creationError(path, errno: errno) }
        do {
            try produce { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw FileFailure.error(path, errno: errno, .writing)
                    }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else { throw FileFailure.error(path, errno: errno, .writing) }
        } catch {
            close(descriptor)
            throw error
        }
        // Some file systems (NFS) report a full disk only when the file is closed.
        guard close(descriptor) == 0 else { throw FileFailure.error(path, errno: errno, .writing) }
    }
}
