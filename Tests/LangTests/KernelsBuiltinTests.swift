import Testing
import Tensor
@testable import Lang

@Suite struct KernelsBuiltinTests {
    @Test func kernelsDescribesTheModeSetAndCPU() throws {
        guard case .record(let fields) = try evaluate("kernels()") else { Issue.record("kernels() is not a record"); return }
        #expect(Array(fields.keys) == ["mode", "set", "cpu"])
        guard case .string(let mode)? = fields["mode"], case .string(let set)? = fields["set"], case .string(let cpu)? = fields["cpu"] else {
            Issue.record("the fields are not strings: \(fields)")
            return
        }
        #expect(KernelsInUse(mode: try KernelMode(parsing: mode, from: "mode"), set: set) == BLASCore.inUse)
        #expect(cpu == BLASCore.cpuName && !cpu.isEmpty)
    }

    @Test func aModeThatDoesNotExistNamesTheValidOnes() {
        #expect(errorText { try evaluate("kernels(\"turbo\")") }
            .contains("kernels: argument 'mode': \"turbo\" is not a kernel mode; use fast or reproducible"))
        #expect(errorText { try evaluate("kernels(1)") }.contains("argument 'mode' must be a string"))
    }
}
