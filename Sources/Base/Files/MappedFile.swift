import Foundation

/// A file mapped read-only into memory, unmapped when the last reference goes: model files are
/// read in place, so a 100 MB checkpoint costs no copy and only the pages touched.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    /// - Throws: `PlaceError` on the path when it cannot be opened, sized or mapped.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw FileFailure.error(path, errno: errno, .reading) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw FileFailure.error(path, errno: errno, .reading) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw PlaceError(path, "is not a regular file") }
        let length = Int(status.st_size)
        guard length > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else { throw PlaceError(path, "cannot map into memory") }
        bytes = UnsafeRawBufferPointer(start: mapped, count: length)
    }

    deinit {
        if let start = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: start), bytes.count) }
    }
}
