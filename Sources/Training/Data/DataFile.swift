import Foundation

/// Reading data files with errors that name the file.
enum DataFile {
    /// Throws unless `path` is an existing file: checked before anything else about the path, so
    /// a typo in a name is reported as a missing file, not as an odd extension.
    static func requireFile(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TrainingError(path, "no such file")
        }
        guard !isDirectory.boolValue else { throw TrainingError(path, "is a directory, not a data file") }
    }

    /// The bytes of `path`, or a `TrainingError` saying why not.
    static func contents(_ path: String) throws -> Data {
        try requireFile(path)
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError(path, "cannot be read") }
        return data
    }

    /// The text of `path`, which must be UTF-8.
    static func text(_ path: String) throws -> String {
        let data = try contents(path)
        guard let text = String(data: data, encoding: .utf8) else { throw TrainingError(path, "is not valid UTF-8") }
        return text
    }
}
