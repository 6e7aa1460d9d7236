import Base
import Foundation
import Testing
@testable import JupyterKernel

/// `preflab kernel install` writes kernel.json by the rules of every file PrefLab writes.
@Suite struct KernelSpecTests {
    private let root = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-spec-\(UUID().uuidString)")

    @Test func installCreatesTheFoldersReplacesAnOldSpecAndLeavesNoTemporaryFile() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = KernelSpec.folder(prefix: root.path)
        #expect(folder.path.hasSuffix("/share/jupyter/kernels/preflab"))
        try KernelSpec.install(executable: "/old/preflab", into: folder)
        try KernelSpec.install(executable: "/new/preflab", into: folder)
        let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("kernel.json"))) as? [String: Any]
        #expect((spec?["argv"] as? [String])?.first == "/new/preflab")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["kernel.json"])
        #expect(try KernelSpec.uninstall(from: folder))
        #expect(try !KernelSpec.uninstall(from: folder))
    }

    @Test func aPlaceThatTakesNoFileIsRefusedInOneLineBeforeAnythingIsCreated() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let file = root.appendingPathComponent("prefix")
        try Data().write(to: file)
        let error = #expect(throws: PlaceError.self) { try KernelSpec.install(executable: "/p", into: KernelSpec.folder(prefix: file.path)) }
        #expect(error?.description.contains("\(file.path) is a file, not a folder") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["prefix"])
    }
}
