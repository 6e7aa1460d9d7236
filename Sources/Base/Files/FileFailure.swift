import Foundation

/// The one wording of a failed file operation, for every reader and writer: `path: cause; fix`,
/// in one line (`…/out.md: permission denied; choose a folder you can write to`), from the errno
/// the system gave or the Foundation error that wraps one.
public enum FileFailure {
    /// What was being done to the file: the cause reads the same, the fix differs.
    public enum Access: Sendable {
        case reading, writing
    }

    /// The error for `path` after a system call failed with `code` (an errno value).
    public static func error(_ path: String, errno code: Int32, _ access: Access) -> PlaceError {
        PlaceError(path, message(errno: code, access))
    }

    /// `error` as the user should see it: a user-facing error (already naming its place) as it
    /// is; a Foundation or POSIX error as `path: cause; fix`.
    public static func error(_ path: String, _ error: any Error, _ access: Access) -> any Error {
        if error is any UserFacingError { return error }
        return PlaceError(path, message(errno: errno(of: error), access))
    }

    /// `cause; fix` for an errno value.
    public static func message(errno code: Int32, _ access: Access) -> String {
        let writing = access == .writing
        let (cause, fix): (String, String)
        switch code {
        case EACCES, EPERM:
            (cause, fix) = ("permission denied", writing ? "choose a folder you can write to" : "check the file's permissions")
        case EROFS:
            (cause, fix) = ("read-only file system", writing ? "choose a folder you can write to" : "check the path")
        case ENOSPC, EDQUOT:
            (cause, fix) = ("no space left on device", "free some space or choose another disk")
        case EFBIG:
            (cause, fix) = ("file too large", "raise the file-size limit (ulimit -f) or choose another disk")
        case ENOENT:
            (cause, fix) = (writing ? "no such folder" : "no such file", "check the path")
        case ENOTDIR:
            (cause, fix) = ("a folder on the path is a file", "check the path")
        case EISDIR:
            (cause, fix) = ("is a folder", writing ? "give a file path inside it" : "give the path of a file inside it")
        case ENOTEMPTY, EEXIST:
            (cause, fix) = ("a folder is in the way", "move it or choose another path")
        case ENAMETOOLONG:
            (cause, fix) = ("name too long", "choose a shorter path")
        case ELOOP:
            (cause, fix) = ("too many symbolic links", "check the path")
        case EMFILE, ENFILE:
            (cause, fix) = ("too many open files", "raise the limit (ulimit -n) or close other programs")
        case EIO:
            (cause, fix) = ("input/output error", "check the disk")
        case EBUSY, ETXTBSY:
            (cause, fix) = ("in use", "close the program using it or choose another path")
        default:
            (cause, fix) = (String(cString: strerror(code)).lowercased(), "check the path")
        }
        return "\(cause); \(fix)"
    }

    /// The errno behind a Foundation error: its own code for a POSIX error, the underlying POSIX
    /// error's for a Cocoa file error that carries one, else the errno its code stands for.
    static func errno(of error: any Error) -> Int32 {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return Int32(error.code) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return Int32(underlying.code)
        }
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return ENOENT
        case .fileReadNoPermission, .fileWriteNoPermission: return EACCES
        case .fileWriteOutOfSpace: return ENOSPC
        case .fileWriteVolumeReadOnly: return EROFS
        case .fileWriteFileExists: return EEXIST
        case .fileReadTooLarge: return EFBIG
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return ENAMETOOLONG
        default: return EIO
        }
    }
}
