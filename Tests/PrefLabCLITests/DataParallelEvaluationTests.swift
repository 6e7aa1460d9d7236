import Foundation
import Testing

/// `eval_mc`, `eval_gsm8k`, `contamination` and `exact_match` under `mpirun -np 2`: each rank
/// evaluates its block of the items and every rank returns the single process's record.
extension DataParallelTests {
    /// Benchmark files small enough for the default model to evaluate in seconds: 20 questions
    /// (two steps of 16, so each rank scores one), 4 GSM8K problems and 5 contamination samples.
    static func writeBenchmarks(in folder: String) throws {
        let questions = (0..<20).map { i in
            let a = i % 7 + 2, b = i % 5 + 3
            let choices = ["\(a + b)", "It is \(a * b + 1).", "It is \(a + b + 2), since \(a) and \(b) make that many."]
            return #"{"question": "What is \#(a) + \#(b)?", "choices": {"text": ["\#(choices[i % 3])", "\#(choices[(i + 1) % 3])", "\#(choices[(i + 2) % 3])"], "label": ["A", "B", "C"]}, "answerKey": "\#(["A", "C", "B"][i % 3])"}"#
        }
        let problems = [(3, 4), (5, 2), (6, 3), (2, 9)].map { a, b in
            #"{"question": "Ana has \#(a) apples and buys \#(b) more. How many apples does she have?", "answer": "Ana has \#(a) + \#(b) = \#(a + b) apples.\n#### \#(a + b)"}"#
        }
        let samples = ["Ana has 3 apples and buys 4 more, so she has 7 apples.", "Question: What is 5 + 2?\nAnswer: 5 + 2 = 7. The answer is: 7",
                       "Ice floats because it is less dense than liquid water.", "Winter follows autumn and is the coldest season of the year.",
                       "Bees make honey from the nectar of flowers."].map { #"{"text": "\#($0.replacingOccurrences(of: "\n", with: "\\n"))"}"# }
        for (name, lines) in [("arc", questions), ("gsm8k", problems), ("bench", samples)] {
            try (lines.joined(separator: "\n") + "\n").write(toFile: "\(folder)/\(name).jsonl", atomically: true, encoding: .utf8)
        }
    }

    /// Each rank saves what the four builtins returned to value<rank>.jsonl; the records' files
    /// go to r<rank>-<builtin>.json, so a file from rank 1 would show.
    static func evaluation(in folder: String) -> String {
        """
        let folder = "\(folder)"
        let m = default_model()
        let mc = eval_mc(m, folder + "/arc.jsonl", task: "arc", shots: 1, out: f"{folder}/r{rank()}-eval_mc.json")
        let gsm = eval_gsm8k(m, folder + "/gsm8k.jsonl", shots: 1, max_new_tokens: 12, out: f"{folder}/r{rank()}-eval_gsm8k.json")
        let samples = contamination(m, m, folder + "/bench.jsonl", samples: 4, neighbours: 3, out: f"{folder}/r{rank()}-contamination.json")
        let exact = exact_match(m, problems(20, steps: 1, seed: 77))
        save_jsonl([{eval_mc: mc, eval_gsm8k: gsm, contamination: samples, exact_match: exact}], f"{folder}/value{rank()}.jsonl")

        """
    }

    static let resultFiles = ["r0-eval_mc.json", "r0-eval_gsm8k.json", "r0-contamination.json", "value0.jsonl"]

    /// Reads and removes `names` in `folder`.
    static func take(_ names: [String], in folder: String) throws -> [String: String] {
        var contents: [String: String] = [:]
        for name in names {
            contents[name] = try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
            try FileManager.default.removeItem(atPath: "\(folder)/\(name)")
        }
        return contents
    }

    /// The main figure of each record, as the closing note shows them.
    static func headlines(_ line: String) throws -> String {
        let value = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: [String: Any]], "\(line)")
        return [("eval_mc", "acc"), ("eval_gsm8k", "flexible"), ("contamination", "mean_share"), ("exact_match", "accuracy")]
            .map { "\($0) \($1) \(value[$0]?[$1] ?? "?")" }.joined(separator: ", ")
    }

    /// Two ranks split the items (rank 0 shows its share's progress) and both return, and rank 0
    /// alone writes, exactly what one process does: every log-prob, response and share to the bit.
    @Test func twoRanksEvaluateAsOneProcessDoes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-mpi-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writeBenchmarks(in: folder)
        let path = try Self.script(Self.evaluation(in: folder))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let (soloStatus, _, soloError) = try runPreflab([path], environment: Self.oneProcess)
        #expect(soloStatus == 0, "\(soloError)")
        let solo = try Self.take(Self.resultFiles, in: folder)
        let record = try #require(solo["value0.jsonl"])
        for expected in [#""n": 20"#, #""n": 4"#, #""n": 20, "correct""#, #""interrupted": false"#] {
            #expect(record.contains(expected), "\(record)")
        }
        #expect(!record.contains(#""interrupted": true"#))

        let (status, _, error) = try Self.launch(2, [path])
        #expect(status == 0, "\(error)")
        #expect(error.contains("arc (rank 0's share) 16/16") && error.contains("exact match (rank 0's share) 16/16")
                && error.contains("gsm8k (rank 0's share) 2/2") && error.contains("contamination (rank 0's share) 2/2"), "\(error)")
        let pair = try Self.take(Self.resultFiles + ["value1.jsonl"], in: folder)
        for name in Self.resultFiles {
            #expect(pair[name] == solo[name], "\(name): 2 ranks\n\(pair[name] ?? "")\n1 process\n\(solo[name] ?? "")")
        }
        print("1 process and 2 ranks: " + (try Self.headlines(record)))
        let rankOne = pair["value1.jsonl"]?.replacingOccurrences(of: "/r1-", with: "/r0-")
        #expect(rankOne == record, "rank 1 returns the same records (its out paths name r1)")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(left == ["arc.jsonl", "bench.jsonl", "gsm8k.jsonl"], "rank 1 writes no result file")
    }

    /// Ctrl-C on mpirun, passed on to both ranks as SIGTERM, mid-way through a long evaluation:
    /// each rank stops its loop, they gather what they have, rank 0 writes the record (interrupted,
    /// holding the start of each rank's block, in order), and the ranks end together (MPI_Finalize,
    /// then 128 + SIGTERM) instead of a rank waiting for ever in the gather.
    @Test func aSignalStopsEveryRanksEvaluationAndRankZeroWritesWhatWasDone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-mpi-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let count = 2000
        let problem = #"{"question": "Ana has 3 apples and buys 4 more. How many apples does she have?", "answer": "Ana has 3 + 4 = 7 apples.\n#### 7"}"#
        try (Array(repeating: problem, count: count).joined(separator: "\n") + "\n").write(toFile: folder + "/gsm8k.jsonl", atomically: true, encoding: .utf8)
        let path = try Self.script("""
            let m = default_model()
            save_jsonl([{started: rank()}], "\(folder)/started\(UUID().uuidString).jsonl")
            eval_gsm8k(m, "\(folder)/gsm8k.jsonl", shots: 0, max_new_tokens: 4)
            print("after")

            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // mpirun kills ranks still alive odls_base_sigkill_timeout seconds (default 1) after passing
        // the signal on; a problem, the gathering and the file can take longer on a busy machine.
        // (mpirun then waits out the whole timeout, even when the ranks have ended.)
        let job = try Job(2, ["--all-ranks", path], environment: ["OMPI_MCA_odls_base_sigkill_timeout": "5"])
        let deadline = Date().addingTimeInterval(60)
        while job.process.isRunning, Date() < deadline,
              (try FileManager.default.contentsOfDirectory(atPath: folder)).filter({ $0.hasPrefix("started") }).isEmpty {
            usleep(20_000)
        }
        // Both ranks have loaded the model; let them score a few problems.
        usleep(1_500_000)
        job.process.interrupt()
        let (status, out, error) = job.end(timeout: 60)
        #expect(status != 0, "\(error)")
        #expect(!out.contains("after"), "\(out)")
        #expect(error.split(separator: "\n").filter { $0.hasSuffix("interrupted") }.count == 2, "each rank stops its entry: \(error)")
        #expect(!error.contains("MPI_ABORT"), "the ranks stopped together, so they finalise: \(error)")
        let written = try String(contentsOfFile: folder + "/gsm8k.eval_gsm8k.json", encoding: .utf8)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any], "\(written)")
        #expect(record["interrupted"] as? Bool == true)
        let lines = try #require(record["items"] as? [[String: Any]]).compactMap { ($0["origin"] as? String)?.split(separator: ":").last.flatMap { Int($0) } }
        #expect(lines == lines.sorted() && lines.count == record["n"] as? Int && lines.count < count, "\(lines)")
        #expect(lines.first == 1 && lines.contains(count / 2 + 1), "each rank's block starts with its first problem: \(lines)")
    }
}
