import Base
import Dispatch
import Distributed
import Foundation
import Models
import Tensor
import Training

/// Data parallelism on this machine, and what it would give on a cluster: the Llama 13.8M
/// training step as one process using both cores against two `mpirun` ranks of one thread each
/// (each taking half of the same global batch, their gradients summed by `World.sum`), then a
/// projection of the time per step against nodes from the compute measured here and the ring
/// allreduce cost model of the MPI note (§10).
enum DistributedBench {
    static let ranks = 2
    /// Steps per measurement: one warm-up, then the measured ones.
    static let steps = 6

    /// One process's figures: medians over the measured steps, in seconds.
    struct Figures: Codable {
        var step: Double
        var forwardBackward: Double
        /// `World.sum` of the gradient buffer inside the step: the transfer and the wait for the slower rank.
        var allreduce: Double
        /// The same sum again with the ranks already together: the transfer alone.
        var allreduceAlone: Double
        var adamW: Double
        var threads: Int
    }

    /// The section `distributed`: both sides in alternating rounds, then the projection.
    static func run() throws {
        let setup = try TrainingBench.setups()[0]
        guard let mpirun = findExecutable("mpirun.openmpi") ?? findExecutable("mpirun") else {
            print("Data parallelism: skipped (mpirun is not installed; scripts/setup installs openmpi-bin)")
            return
        }
        // Both cores for the ranks to share (mpirun binds a 2-rank job one core each otherwise);
        // shared memory between them.
        let launch = [mpirun] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
            + ["--bind-to", "none", "--mca", "btl", "self,vader", "-np", String(ranks), CommandLine.arguments[0], "distributed-rank"]
        var alone: [Figures] = [], together: [Figures] = []
        for round in 1...comparisonRounds {
            progress("distributed: \(setup.name), 1 rank × \(Parallel.workers) threads, round \(round) of \(comparisonRounds)")
            alone.append(try measure(setup, world: nil))
            progress("distributed: \(ranks) ranks under mpirun, round \(round) of \(comparisonRounds)")
            let outcome = runMeasured(launch)
            guard outcome.succeeded, let json = outcome.output.split(separator: "\n").last,
                  let figures = try? JSONDecoder().decode(Figures.self, from: Data(json.utf8)) else {
                print("Data parallelism: \(launch.joined(separator: " ")) failed:\n\(tail(outcome.errors))")
                return
            }
            together.append(figures)
        }
        let parameters = Int(TransformerModel.parameterCount(setup.config))
        let gradientBytes = 4 * Double(parameters)
        func spread(_ values: [Figures], _ figure: KeyPath<Figures, Double>) -> Spread { Spread(values: values.map { $0[keyPath: figure] }) }
        print("")
        print("Data parallelism: \(setup.name) (the global batch; each of \(ranks) ranks takes \(setup.batch / ranks) rows), kernels: \(kernelsInUse);")
        print("\(comparisonRounds) round\(comparisonRounds == 1 ? "" : "s") alternating the two, each the median of \(steps - 1) steps after a warm-up; "
              + "median [min–max] of the rounds, in seconds")
        for (name, figures) in [("1 rank × \(alone[0].threads) threads", alone), ("\(ranks) ranks × \(together[0].threads) thread\(together[0].threads == 1 ? "" : "s")", together)] {
            print("\(pad(name, 22)) step \(spread(figures, \.step).text("%.3f"))   forward+backward \(spread(figures, \.forwardBackward).text("%.3f"))   "
                  + "Allreduce \(spread(figures, \.allreduce).text("%.3f"))   AdamW \(spread(figures, \.adamW).text("%.3f"))")
        }
        let ratios = Spread(values: zip(together, alone).map { $0.step / $1.step })
        print("    \(ranks) ranks take \(ratios.text("%.2f"))× the time of 1 rank per step (above 1: slower)")
        print("    Allreduce of the \(String(format: "%.1f", gradientBytes / 4e6))M-float gradient (\(String(format: "%.0f", gradientBytes / 1e6)) MB) over shared memory: "
              + "\(spread(together, \.allreduceAlone).text("%.3f")) s with the ranks together, \(spread(together, \.allreduce).text("%.3f")) s inside the step "
              + "(with the wait for the slower rank)")
        try project(setup, alone: alone, parameters: parameters)
    }

    /// The section `distributed-rank`, started by `run` under mpirun: every rank trains its
    /// shard, rank 0 prints the figures as one JSON line.
    static func runRank() throws {
        let world = World.current
        let figures = try measure(try TrainingBench.setups()[0], world: world)
        if world.isRoot { print(String(decoding: try JSONEncoder().encode(figures), as: UTF8.self)) }
        world.finish(status: 0, interrupted: false)
    }

    /// The step of `setup` as `world`'s rank takes it (its shard of the batch, the gradients
    /// summed over the ranks), or as one process with the whole batch when `world` is nil.
    static func measure(_ setup: TrainingBench.Setup, world: World?) throws -> Figures {
        let model = try TransformerModel.random(config: setup.config, seed: 1)
        let engine = try TrainableModel(model: model)
        let optimizer = try AdamW(for: engine.trainable)
        let size = world?.size ?? 1
        let rows = setup.batch / size
        var random = RandomGenerator(seed: 2 + UInt64(world?.rank ?? 0))
        let n = rows * setup.length
        // Each rank's part of the mean over the whole batch, so the summed gradient is the whole batch's.
        let scale = -1 / Float(setup.batch * setup.length)
        var samples: [Figures] = []
        let trainable = engine.trainable
        for _ in 0..<steps {
            let inputs = (0..<n).map { _ in Int32(random.next() % UInt64(setup.config.vocabSize)) }
            let targets = (0..<n).map { _ in Int32(random.next() % UInt64(setup.config.vocabSize)) }
            let start = DispatchTime.now().uptimeNanoseconds
            trainable.zeroGradients()
            let logprobs = try engine.forward(inputs: inputs, targets: targets, batch: rows, length: setup.length)
            try engine.backward(logprobGradients: [Float](repeating: scale, count: n))
            let computed = DispatchTime.now().uptimeNanoseconds
            world?.sum(trainable.gradients, count: trainable.count)
            let summed = DispatchTime.now().uptimeNanoseconds
            try optimizer.step(trainable, learningRate: 1e-4)
            let end = DispatchTime.now().uptimeNanoseconds
            sink += logprobs[0]
            samples.append(Figures(step: seconds(start, end), forwardBackward: seconds(start, computed), allreduce: seconds(computed, summed),
                                   allreduceAlone: 0, adamW: seconds(summed, end), threads: Parallel.workers))
        }
        var alone: [Double] = []
        if let world {
            for _ in 0..<steps {
                let start = DispatchTime.now().uptimeNanoseconds
                world.sum(trainable.gradients, count: trainable.count)
                alone.append(seconds(start, DispatchTime.now().uptimeNanoseconds))
            }
        }
        let measured = Array(samples.dropFirst())
        func median(_ figure: KeyPath<Figures, Double>) -> Double { Spread(values: measured.map { $0[keyPath: figure] }).median }
        return Figures(step: median(\.step), forwardBackward: median(\.forwardBackward), allreduce: median(\.allreduce),
                       allreduceAlone: alone.isEmpty ? 0 : Spread(values: Array(alone.dropFirst())).median,
                       adamW: median(\.adamW), threads: Parallel.workers)
    }

    private static func seconds(_ start: UInt64, _ end: UInt64) -> Double { Double(end - start) / 1e9 }

    /// What the cluster projection assumes beyond what this run measured.
    struct Assumptions {
        static let tokensPerStep = 64.0 * 1024
        static let latency = 30e-6
        static let links: [(name: String, bytesPerSecond: Double)] = [("10 Gb/s", 10e9 / 8), ("100 Gb/s", 100e9 / 8)]
        static let models: [(name: String, parameters: Double)] = [("124M", 124e6), ("1B", 1e9)]
        static let nodes = [1, 2, 4, 8, 16, 32]
    }

    /// Time per step against nodes, each node this machine: T(N) = T_fwd+bwd(1)/N + T_AdamW + T_allreduce(N),
    /// T_allreduce(N) = 2(N−1)/N · S/BW + 2(N−1)·α + (N−1)/N · S·γ (one bucket, no overlap with backward).
    static func project(_ setup: TrainingBench.Setup, alone: [Figures], parameters count: Int) throws {
        let forwardBackward = Spread(values: alone.map(\.forwardBackward)).median
        let adamW = Spread(values: alone.map(\.adamW)).median
        let tokens = Double(setup.batch * setup.length)
        let rate = TrainingBench.flopsPerToken(setup, parameters: count) * tokens / forwardBackward
        let parameters = Double(count)
        let gamma = reductionSecondsPerByte(count: count)
        print("")
        print("PROJECTION, not a measurement: time per step (speedup over 1 node) of data-parallel training on N nodes, each like this machine.")
        print("Measured here (1 rank above): forward+backward at \(String(format: "%.1f", rate / 1e9)) GFLOP/s (counted as in the training section), "
              + "AdamW \(String(format: "%.2f", adamW / parameters * 1e9)) ns per parameter, reduction γ = \(String(format: "%.2f", gamma * 1e9)) ns per byte (one core).")
        print("Assumed: \(Int(Assumptions.tokensPerStep)) tokens per global step (64 × 1024) at 6 FLOP per parameter and token (attention left out), the link's full rate, latency α = \(Int(Assumptions.latency * 1e6)) µs, "
              + "one Allreduce of the whole fp32 gradient after backward (no overlap), every node running AdamW on all parameters.")
        print("T(N) = T_fwd+bwd(1)/N + T_AdamW + 2(N−1)/N·S/BW + 2(N−1)·α + (N−1)/N·S·γ, S = 4 bytes × parameters (ring allreduce, MPI note §10).")
        let columns = Assumptions.models.flatMap { model in Assumptions.links.map { (model, $0) } }
        print(pad("nodes", 7) + columns.map { pad("\($0.0.name) at \($0.1.name)", 22) }.joined())
        for nodes in Assumptions.nodes {
            let cells = columns.map { model, link -> String in
                let compute = 6 * model.parameters * Assumptions.tokensPerStep / rate
                let single = compute + adamW / parameters * model.parameters
                let time = stepSeconds(nodes: nodes, compute: compute, adamW: adamW / parameters * model.parameters,
                                       bytes: 4 * model.parameters, bandwidth: link.bytesPerSecond, gamma: gamma)
                return pad(String(format: "%9.1f s (%4.1f×)", time, single / time), 22)
            }
            print(pad(String(nodes), 7) + cells.joined())
        }
        let largest = Assumptions.nodes.last!
        print("of which the Allreduce on \(largest) nodes: " + columns.map { model, link in
            let allreduce = stepSeconds(nodes: largest, compute: 0, adamW: 0, bytes: 4 * model.parameters, bandwidth: link.bytesPerSecond, gamma: gamma)
            return String(format: "%.2f s", allreduce) + " (\(model.name) at \(link.name))"
        }.joined(separator: ", "))
    }

    /// The model's time per step on `nodes` nodes (see `project`).
    static func stepSeconds(nodes: Int, compute: Double, adamW: Double, bytes: Double, bandwidth: Double, gamma: Double) -> Double {
        let n = Double(nodes)
        let allreduce = 2 * (n - 1) / n * bytes / bandwidth + 2 * (n - 1) * Assumptions.latency + (n - 1) / n * bytes * gamma
        return compute / n + adamW + allreduce
    }

    /// Seconds per byte of adding one buffer of `count` floats into another on one core: the
    /// reduction an allreduce does on what it receives.
    static func reductionSecondsPerByte(count: Int) -> Double {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count), b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { a.deallocate(); b.deallocate() }
        a.initialize(repeating: 1, count: count)
        b.initialize(repeating: 2, count: count)
        let time = medianSeconds(warmup: 1, repeats: 5) {
            for i in 0..<count { a[i] += b[i] }
        }
        sink += a[count - 1]
        return time / Double(count * 4)
    }
}
