import Foundation
import Models
import Tensor

/// `preflab-bench gguf FILE`: how long mapping, checking and decoding every tensor of a GGUF file
/// to Float32 takes (median of 5 runs after one warm-up, so the file is in the page cache).
enum GGUFBench {
    static func run(_ path: String) throws {
        var elements = 0
        let seconds = try medianSeconds(warmup: 1, repeats: 5) {
            let file = try GGUFFile(path: path)
            elements = 0
            for name in file.tensorNames { elements += try file.tensor(named: name).count }
        }
        let file = try GGUFFile(path: path)
        let types = Dictionary(grouping: file.tensorRecords, by: \.type.name).map { "\($1.count) \($0)" }.sorted().joined(separator: ", ")
        print("GGUF \(path): \(file.tensorRecords.count) tensors (\(types)), \(elements) values decoded in \(String(format: "%.3f", seconds)) s on \(Parallel.workers) cores")
    }
}
