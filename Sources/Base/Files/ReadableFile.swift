import Foundation

/// Reading a user's input file with errors that name it.
public enum ReadableFile {
    /// Throws unless `path` is an existing file: checked before anything else about the path, so
    /// a typo in a name is reported as a missing file, not as an odd extension.
    /// - Parameter noun: what the file should have been, for the directory error ("data file").
    public static func require(_ path: String, noun: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PlaceError(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw PlaceError(path, "is a directory, not a \(noun)") }
    }

    /// The bytes of `path`, or an error saying why not.
    public static func contents(_ path: String, noun: String) throws -> Data {
        try require(path, noun: noun)
        guard let data = FileManager.default.contents(atPath: path) else { throw PlaceError(path, "cannot be read") }
        return data
    }

    /// The text of `path`, which must be UTF-8.
    public static func text(_ path: String, noun: String) throws -> String {
        let data = try contents(path, noun: noun)
        guard let text = String(data: data, encoding: .utf8) else { throw PlaceError(path, "is not valid UTF-8") }
        return text
    }
}
