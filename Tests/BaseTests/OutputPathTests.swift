import Foundation
import Testing
@testable import Base

/// The one rule for paths PrefLab writes. Tests may run as root, which ignores permission bits:
/// an unwritable place is /sys (no file can be created there, even by root) or a path under a
/// regular file.
@Suite struct OutputPathTests {
    @Test func aFileInAMissingFolderPassesAndCreatesNothing() throws {
        let directory = try temporaryDirectory()
        try OutputPath.checkFile(directory + "/new/deeper/out.md")
        try OutputPath.checkFile("relative-\(UUID().uuidString)/out.md")
        try OutputPath.checkFolder(directory + "/new/run")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "the probe is removed and no folder made")
    }

    @Test func aFolderThatTakesNoFilesIsPermissionDenied() {
        #expect(throws: PlaceError("/sys/out.md", "permission denied; choose a folder you can write to")) {
            try OutputPath.checkFile("/sys/out.md")
        }
        #expect(throws: PlaceError("/sys/new/run", "permission denied; choose a folder you can write to")) {
            try OutputPath.checkFolder("/sys/new/run")
        }
        // /proc answers "no such file" to a new file; it is a refusal all the same.
        #expect(throws: PlaceError("/proc/out.md", "permission denied; choose a folder you can write to")) {
            try OutputPath.checkFile("/proc/out.md")
        }
    }

    @Test func aFileWhereAFolderShouldBeIsNamed() throws {
        let directory = try temporaryDirectory()
        let file = directory + "/file"
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(throws: PlaceError(file + "/a/out.md", "\(file) is a file, not a folder; choose another path")) {
            try OutputPath.checkFile(file + "/a/out.md")
        }
        #expect(throws: PlaceError(file, "is a file, not a folder; choose a folder path")) { try OutputPath.checkFolder(file) }
        #expect(throws: PlaceError(file, "is a file, not a folder; choose a folder path")) { try OutputPath.createFolder(file + "/inside") }
    }

    @Test func aFolderADeviceAndTheInputAreNotFilesToWrite() throws {
        let directory = try temporaryDirectory()
        #expect(throws: PlaceError(directory, "is a folder; give a file path inside it")) { try OutputPath.checkFile(directory) }
        #expect(throws: PlaceError(directory + "/new/", "is a folder; give a file path inside it")) {
            try OutputPath.checkFile(directory + "/new/")
        }
        #expect(throws: PlaceError("/dev/null", "is not a regular file (a device, pipe or socket); choose a file path")) {
            try OutputPath.checkFile("/dev/null")
        }
        let script = directory + "/s.pref"
        try "1".write(toFile: script, atomically: false, encoding: .utf8)
        // The same file by another spelling is still the input.
        #expect(throws: PlaceError(directory + "/./s.pref", "is the script being run; choose another file to write")) {
            try OutputPath.checkFile(directory + "/./s.pref", input: (script, "the script being run"))
        }
        try OutputPath.checkFile(directory + "/out.md", input: (script, "the script being run"))
        try OutputPath.checkFile(script)
    }

    @Test func createFolderMakesEveryMissingLevel() throws {
        let directory = try temporaryDirectory()
        try OutputPath.createFolder(directory + "/a/b/c")
        try OutputPath.createFolder(directory + "/a/b/c")
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory + "/a/b/c", isDirectory: &isFolder) && isFolder.boolValue)
    }

    @Test func theParentOfAPath() {
        for (path, parent) in [("a/b/c", "a/b"), ("a/b/c/", "a/b"), ("/a", "/"), ("/", "/"), ("a", ""), ("p", ""), ("a//b", "a"), ("//a", "/")] {
            #expect(OutputPath.parent(of: path) == parent, "\(path)")
        }
        #expect(OutputPath.folder(of: "out.md") == ".")
    }
}

@Suite struct FileFailureTests {
    @Test func eachCauseIsOneLineWithAFix() {
        #expect(FileFailure.error("/x/out.md", errno: EACCES, .writing).description == "/x/out.md: permission denied; choose a folder you can write to")
        #expect(FileFailure.message(errno: ENOSPC, .writing) == "no space left on device; free some space or choose another disk")
        #expect(FileFailure.message(errno: EFBIG, .writing) == "file too large; raise the file-size limit (ulimit -f) or choose another disk")
        #expect(FileFailure.message(errno: ENOENT, .writing) == "no such folder; check the path")
        #expect(FileFailure.message(errno: ENOENT, .reading) == "no such file; check the path")
        #expect(FileFailure.message(errno: EISDIR, .writing) == "is a folder; give a file path inside it")
        for code in [EACCES, EPERM, EROFS, ENOSPC, EDQUOT, EFBIG, ENOENT, ENOTDIR, EISDIR, ENAMETOOLONG, EIO, EXDEV] {
            for access in [FileFailure.Access.reading, .writing] {
                let message = FileFailure.message(errno: code, access)
                #expect(!message.contains("\n") && message.contains("; ") && message == message.lowercased(), "\(message)")
            }
        }
    }

    /// Foundation's errors (`NSCocoaErrorDomain Code=642 …`) become the same wording as errno.
    @Test func foundationErrorsAreConvertedAndUserFacingOnesPassThrough() {
        let readOnly = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteVolumeReadOnly.rawValue)
        #expect("\(FileFailure.error("/r/out.md", readOnly, .writing))" == "/r/out.md: read-only file system; choose a folder you can write to")
        let full = NSError(domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
                           userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))])
        #expect("\(FileFailure.error("/d/m", full, .writing))" == "/d/m: no space left on device; free some space or choose another disk")
        #expect("\(FileFailure.error("/d/m", POSIXError(.EACCES), .reading))" == "/d/m: permission denied; check the file's permissions")
        let own = PlaceError("step 3", "loss is NaN")
        #expect(FileFailure.error("/d/m", own, .writing) as? PlaceError == own)
    }
}
