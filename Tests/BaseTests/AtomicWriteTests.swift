import Base
import Foundation
import Testing

/// A fresh empty directory for one test.
func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-base-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct AtomicWriteTests {
    @Test func writesAndReplacesAFileLeavingNoTemporaryBehind() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/out.txt"
        try AtomicWrite.write("first", to: path)
        try AtomicWrite.write("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.txt"])
    }

    @Test func missingFoldersAreCreated() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/a/b/out.txt"
        try AtomicWrite.write("x", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "x")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/a/b") == ["out.txt"])
    }

    @Test func aFileInTheWayOfTheFolderIsOneLineNamingItAndLeavesNothing() throws {
        let directory = try temporaryDirectory()
        try "x".write(toFile: directory + "/file", atomically: false, encoding: .utf8)
        let path = directory + "/file/inside/out.txt"
        let error = #expect(throws: PlaceError.self) { try AtomicWrite.write("x", to: path) }
        #expect(error?.description == "\(directory)/file: is a file, not a folder; choose a folder path")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["file"])
    }

    @Test func aFailedRenameRemovesTheTemporaryFileAndKeepsTheTarget() throws {
        let directory = try temporaryDirectory()
        // A non-empty directory cannot be replaced by a file: the rename fails after the write.
        let target = directory + "/taken"
        try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
        let error = #expect(throws: PlaceError.self) { try AtomicWrite.write("x", to: target) }
        #expect(error?.description == "\(target): is a folder; give a file path inside it")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["taken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["inside"])
    }

    /// A producer failing half-way (as a model's serialisation can) leaves neither the temporary
    /// file nor a partial target, and its error arrives as it was thrown.
    @Test func aFailureMidStreamRemovesTheTemporaryFile() throws {
        struct Stop: Error {}
        let directory = try temporaryDirectory()
        let chunk = [UInt8](repeating: 7, count: 1 << 16)
        #expect(throws: Stop.self) {
            try AtomicWrite.write(to: directory + "/big.bin") { append in
                for _ in 0..<8 { try chunk.withUnsafeBytes { try append($0) } }
                throw Stop()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }
}

@Suite struct UserFacingErrorTests {
    @Test func describesItselfAsPlaceThenMessageAndNamesItsCaller() {
        let error: any UserFacingError = PlaceError("lr", "must be a positive number, got -1")
        #expect(error.description == "lr: must be a positive number, got -1")
        #expect(error.namesCaller)
    }
}

@Suite struct AlignedBufferTests {
    @Test func buffersAreAlignedTo64BytesAndZeroedOnRequest() {
        for count in [0, 1, 17, 1000] {
            let buffer = AlignedBuffer.allocate(count, zeroed: true, purpose: "for a test")
            defer { free(buffer) }
            #expect(Int(bitPattern: buffer) % 64 == 0)
            #expect(UnsafeBufferPointer(start: buffer, count: max(count, 1)).allSatisfy { $0 == 0 })
        }
    }
}
