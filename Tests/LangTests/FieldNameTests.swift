import Foundation
import Testing
@testable import Lang

/// `Interpreter.fieldNames(of:)`, what tab completion offers after a `.`: the fields of every
/// kind of value, at any depth, and each one readable.
@Suite(.serialized) struct FieldNameTests {
    private func interpreter(_ code: String) throws -> Interpreter {
        let interpreter = Interpreter(write: { _ in })
        try interpreter.evaluate(Source(name: "<test>", text: code))
        return interpreter
    }

    /// Every name offered for `path` reads without error, so completion never offers a field
    /// the value does not have.
    private func expectReadable(_ path: String, in interpreter: Interpreter) throws {
        for name in try #require(interpreter.fieldNames(of: path), "\(path)") {
            #expect(throws: Never.self, "\(path).\(name)") { try interpreter.evaluate(Source(name: "<test>", text: "\(path).\(name)")) }
        }
    }

    @Test func recordsListsStringsAndTensorsAtAnyDepth() throws {
        let session = try interpreter("""
            let config = {beta: 0.1, optimiser: {name: "adamw", betas: [0.9, 0.999]}}
            let w = zeros([2, 3])
            """)
        #expect(session.fieldNames(of: "config") == ["beta", "optimiser"])
        #expect(session.fieldNames(of: "config.optimiser") == ["name", "betas"])
        #expect(session.fieldNames(of: "config.optimiser.betas") == ["length"])
        #expect(session.fieldNames(of: "config.optimiser.name") == ["length"])
        #expect(session.fieldNames(of: "config.beta") == [])
        #expect(session.fieldNames(of: "w") == ["shape", "rank", "numel", "grad", "requires_grad", "T"])
        #expect(session.fieldNames(of: "w.shape") == ["length"])
        // A name that is not there, and a variable that is not defined, complete to nothing.
        #expect(session.fieldNames(of: "config.missing") == nil && session.fieldNames(of: "undefined") == nil)
        for path in ["config", "config.optimiser", "config.optimiser.betas", "w"] { try expectReadable(path, in: session) }
    }

    @Test func pairsModelsAndTokenizers() throws {
        let session = try interpreter("""
            let low = synthetic_pairs("arithmetic", count: 4, corrupt: 1, steps: 3, seed: 1)
            let m = new_model(vocab: 32, hidden: 16, layers: 1, heads: 2)
            let d = default_model()
            """)
        let pairs = try #require(session.fieldNames(of: "low"))
        #expect(pairs.contains("stats") && pairs.contains("edit_distances") && pairs.contains("first_differences"))
        #expect(session.fieldNames(of: "low.stats")?.contains("median_edit_distance") == true)
        #expect(session.fieldNames(of: "m") == ["vocab", "hidden", "layers", "parameters", "arch", "tokenizer"])
        #expect(session.fieldNames(of: "d.tokenizer") == ["vocab"])
        for path in ["low", "low.stats", "m", "d", "d.tokenizer"] { try expectReadable(path, in: session) }
    }

    @Test func runsAndTheirNestedRecords() throws {
        let session = try interpreter("""
            let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)
            let ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]])
            let run = train(m, ids, steps: 2, batch: 2, seq_len: 8, dir: temp_dir() + "/run")
            """)
        let fields = try #require(session.fieldNames(of: "run"))
        #expect(fields.contains("losses") && fields.contains("timings") && fields.contains("model"))
        #expect(session.fieldNames(of: "run.timings")?.first == "wall")
        #expect(session.fieldNames(of: "run.model")?.contains("vocab") == true)
        for path in ["run", "run.timings", "run.model"] { try expectReadable(path, in: session) }
    }
}
