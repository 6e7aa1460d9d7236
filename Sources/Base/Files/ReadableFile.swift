import Foundation

/// Reading a user's input file with errors that name it (`FileFailure`'s wording).
public enum ReadableFile {
    /// Throws unless `path` is an existing file: checked before anything else about the path, so
    /// a typo in a name is reported as a missing file, not as an odd extension.
    /// - Parameter noun: what the file should have been, for the folder error ("data file").
    public static func require(_ path: String, noun: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileFailure.error(path, errno: errno, .reading) }
        guard info.st_mode & S_IFMT != S_IFDIR else {
            throw PlaceError(path, "is a folder, not a \(noun); give the path of a file inside it")
        }
    }

    /// The bytes of `path`, or an error saying why not.
    public static func contents(_ path: String, noun: String) throws -> Data {
        try require(path, noun: noun)
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FileFailure.error(path, error, .reading)
        }
    }

    /// The text of `path`, which must be UTF-8.
    public static func text(_ path: String, noun: String) throws -> String {
        let data = try contents(path, noun: noun)
        guard let text = String(data: data, encoding: .utf8) else { throw PlaceError(path, notUTF8(data)) }
        return text
    }

    /// Why `data` is not UTF-8 text, naming the first bad byte by offset and line so that it can be
    /// found in an editor or with `xxd`.
    static func notUTF8(_ data: Data) -> String {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        var line = 1
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar):
                if scalar.count == 1, scalar.first == 0x0A { line += 1 }
                offset += scalar.count
            case .error:
                let byte = String(data[data.startIndex + offset], radix: 16, uppercase: true)
                return "is not UTF-8 text: byte 0x\(byte.count == 1 ? "0" + byte : byte) at offset \(offset) (line \(line)) "
                    + "is not part of a UTF-8 character; save the file as UTF-8"
            case .emptyInput:
                return "is not UTF-8 text"
            }
        }
    }
}
