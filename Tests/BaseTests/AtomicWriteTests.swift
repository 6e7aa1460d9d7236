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

    @Test func aMissingFolderIsAnErrorNamingTheFileAndLeavesNothing() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/missing/out.txt"
        let error = #expect(throws: PlaceError.self) { try AtomicWrite.write("x", to: path) }
        #expect(error?.place == path)
        #expect(error?.message.hasPrefix("cannot write: No such file or directory") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func aFailedRenameRemovesTheTemporaryFileAndKeepsTheTarget() throws {
        let directory = try temporaryDirectory()
        // A non-empty directory cannot be replaced by a file: the rename fails after the write.
        let target = directory + "/taken"
        try FileManager.default.createDirectory(atPath: target + "/inside", withIntermediateDirectories: true)
        let error = #expect(throws: PlaceError.self) { try AtomicWrite.write("x", to: target) }
        #expect(error?.message.hasPrefix("cannot move the finished file into place") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["taken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["inside"])
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
