import Foundation

/// The one rule for every path PrefLab writes (notebooks, transcripts, plots, models, adapters,
/// pairs, corpora, results, run folders, the reference cache), checked before any work starts so
/// that a long run never ends unable to save what it made:
///
/// - Missing folders on the way are created when the first file is written, as `mkdir -p`
///   would; the check itself creates nothing, so a refused command leaves nothing behind.
/// - The nearest folder that exists must take a new file: one is created there and removed, which
///   catches what permission bits do not show (read-only mounts, /proc and /sys, root's limits).
/// - A file path must not name a folder, a device or the input being read; a folder path must
///   not name a file.
public enum OutputPath {
    /// Checks a file PrefLab will write.
    /// - Parameter input: a file the same command reads, which the output must not replace, and
    ///   what it is for the message ("the script being run").
    public static func checkFile(_ path: String, input: (path: String, noun: String)? = nil) throws {
        if let kind = kind(path) {
            guard kind != S_IFDIR else { throw FileFailure.error(path, errno: EISDIR, .writing) }
            guard kind == S_IFREG else {
                throw PlaceError(path, "is not a regular file (a device, pipe or socket); choose a file path")
            }
            if let input, isSameFile(path, input.path) {
                throw PlaceError(path, "is \(input.noun); choose another file to write")
            }
        } else if path.hasSuffix("/") {
            throw FileFailure.error(path, errno: EISDIR, .writing)
        }
        try probe(from: folder(of: path), for: path)
    }

    /// Checks a folder PrefLab will write files into.
    public static func checkFolder(_ path: String) throws {
        if let kind = kind(path), kind != S_IFDIR { throw notAFolder(path, for: path) }
        try probe(from: path, for: path)
    }

    /// Creates `path` and every missing folder above it.
    public static func createFolder(_ path: String) throws {
        if let kind = kind(path) {
            guard kind == S_IFDIR else { throw notAFolder(path, for: path) }
            return
        }
        let parent = parent(of: path)
        if !parent.isEmpty, parent != path { try createFolder(parent) }
        guard mkdir(path, 0o777) == 0 || errno == EEXIST else { throw creationError(path, errno: errno) }
    }

    /// The folder a file goes in: "." for a bare name.
    public static func folder(of path: String) -> String {
        let folder = parent(of: path)
        return folder.isEmpty ? "." : folder
    }

    /// `path` without its last component: "a/b" for "a/b/c" and "a/b/c/", "/" for "/a", "" for
    /// "a". (NSString's deletingLastPathComponent traps on some one-letter names on Linux.)
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var end = slash
        while end > trimmed.startIndex, trimmed[trimmed.index(before: end)] == "/" { end = trimmed.index(before: end) }
        return end == trimmed.startIndex ? "/" : String(trimmed[..<end])
    }

    /// The error for a file that could not be created in a folder that exists: there a missing
    /// file or folder (ENOENT, as /proc answers) means the folder takes no new files.
    static func creationError(_ path: String, errno code: Int32) -> PlaceError {
        FileFailure.error(path, errno: code == ENOENT ? EACCES : code, .writing)
    }

    /// Creates and removes a file in the nearest existing folder at or above `start`.
    private static func probe(from start: String, for path: String) throws {
        var folder = start
        while kind(folder) == nil {
            let parent = parent(of: folder)
            folder = parent.isEmpty || parent == folder ? "." : parent
        }
        guard kind(folder) == S_IFDIR else { throw notAFolder(folder, for: path) }
        let probe = folder + "/.preflab-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw creationError(path, errno: errno) }
        close(descriptor)
        unlink(probe)
    }

    private static func notAFolder(_ file: String, for path: String) -> PlaceError {
        file == path ? PlaceError(path, "is a file, not a folder; choose a folder path")
                     : PlaceError(path, "\(file) is a file, not a folder; choose another path")
    }

    /// The file type bits of what `path` names (following symbolic links), or nil when nothing
    /// can be found there.
    private static func kind(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    private static func isSameFile(_ a: String, _ b: String) -> Bool {
        var (first, second) = (stat(), stat())
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
