import Base
import Foundation
import Models

/// `preflab-fuzz --gguf`: loads mutations of a small valid GGUF file (every tensor type, metadata
/// of every value type) and decodes every tensor. Each must load or be refused with a ModelError;
/// a crash is the failure. The input being loaded stays in `inputPath`, so a crash leaves it there.
enum GGUFFuzz {
    static let seedFile = "Tests/ModelsTests/Fixtures/gguf/types.gguf"
    static let inputPath = ".build/fuzz-gguf-input.gguf"

    /// Field values at the edges: counts, lengths, dims, type ids and offsets that overflow or lie.
    static let boundaryWords: [UInt64] = [0, 1, 2, 3, 31, 32, 63, 64, 255, 256, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                          1 << 32, 1 << 40, 1 << 62, UInt64(Int64.max), UInt64.max, UInt64.max - 31]

    static func run(count: Int, seed: UInt64, verbose: Bool) -> Never {
        guard let original = FileManager.default.contents(atPath: seedFile).map(Array.init) else {
            print("preflab-fuzz --gguf: cannot read \(seedFile) (run from the repository root)")
            exit(2)
        }
        var random = RandomGenerator(seed: seed)
        func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(random.next() % UInt64(n)) }
        let header = (try? GGUFFile(path: seedFile)).map(\.dataStart) ?? original.count
        var loaded = 0, refused = 0
        let started = Date()
        for index in 0..<count {
            var bytes = original
            var edits: [String] = []
            for _ in 0..<(1 + below(3)) {
                // Most edits hit the header and records, where a changed byte changes the layout.
                let position = below(random.next() % 4 == 0 ? bytes.count : min(header, bytes.count))
                switch random.next() % 7 {
                case 0, 1:
                    let flips = 1 + below(8)
                    for _ in 0..<flips where !bytes.isEmpty { bytes[below(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << below(8)) }
                    edits.append("flip \(flips) bits")
                case 2:
                    bytes.removeSubrange(min(position, bytes.count)...)
                    edits.append("truncate at \(position)")
                case 3:
                    let field = [8, 16][below(2)]
                    let value = random.next() % 2 == 0 ? boundaryWords[below(boundaryWords.count)] : UInt64(bitPattern: Int64(below(5)) - 2) &+ load(bytes, field)
                    store(value, at: field, width: 8, in: &bytes)
                    edits.append("count at \(field) = \(value)")
                case 4:
                    let value = boundaryWords[below(boundaryWords.count)], width = [4, 8][below(2)]
                    store(value, at: position, width: width, in: &bytes)
                    edits.append("\(width)-byte word at \(position) = \(value)")
                case 5:
                    store(UInt64(below(45)), at: position, width: 4, in: &bytes)
                    edits.append("type id at \(position)")
                default:
                    let start = below(bytes.count), length = below(64)
                    let piece = Array(bytes[start..<min(bytes.count, start + length)])
                    bytes.insert(contentsOf: piece, at: min(position, bytes.count))
                    edits.append("copy \(piece.count) bytes to \(position)")
                }
            }
            let description = "seed \(seed), input \(index): " + edits.joined(separator: "; ")
            // Plain POSIX calls into a new file: Foundation's writes fsync, and truncating a written
            // file makes ext4 flush it; either costs more than the load being tested.
            unlink(inputPath)
            let descriptor = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0, bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
                print("preflab-fuzz --gguf: cannot write \(inputPath)")
                exit(2)
            }
            close(descriptor)
            free(runningInput)
            runningInput = strdup(description + " (the file is \(inputPath))")
            do {
                let file = try GGUFFile(path: inputPath)
                for name in file.tensorNames { _ = try file.tensor(named: name) }
                loaded += 1
                if verbose { print("#\(index) loaded: \(description)") }
            } catch let error as ModelError {
                refused += 1
                if verbose { print("#\(index) refused (\(error.message)): \(description)") }
            } catch {
                print("input \(index) threw an error that is not a ModelError (\(error)): \(description)")
                exit(1)
            }
        }
        try? FileManager.default.removeItem(atPath: inputPath)
        let seconds = Date().timeIntervalSince(started)
        print("fuzz --gguf: \(count) mutated files (seed \(seed)) in \(String(format: "%.1f", seconds)) s; no crash; \(loaded) loaded, \(refused) refused with an error")
        exit(0)
    }

    static func load(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | (at + $1 < bytes.count ? UInt64(bytes[at + $1]) << (8 * UInt64($1)) : 0) }
    }

    static func store(_ value: UInt64, at position: Int, width: Int, in bytes: inout [UInt8]) {
        for i in 0..<width where position + i < bytes.count { bytes[position + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }
}
