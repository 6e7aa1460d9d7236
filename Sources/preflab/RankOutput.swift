import Distributed
import Foundation

/// What each process of a world shows. Rank 0 prints as a single process does; the other
/// ranks compute the same figures, so their output is silenced (descriptors 1 and 2 go to
/// /dev/null, which catches what the libraries write too) unless `--all-ranks` asks for every
/// rank's printing, each line prefixed by its rank. Errors always show, prefixed by the rank
/// that hit them, since any rank can be the one that fails.
enum RankOutput {
    /// Where errors go: standard error as it was before silencing.
    nonisolated(unsafe) private static var errors = FileHandle.standardError

    /// Whether printed lines carry their rank: with --all-ranks, where several ranks' lines mix.
    nonisolated(unsafe) private static var labelsPrinting = false

    static func setUp(_ world: World, allRanks: Bool) {
        labelsPrinting = allRanks && world.size > 1
        guard !world.isRoot, !allRanks else { return }
        let kept = dup(STDERR_FILENO)
        let null = open("/dev/null", O_WRONLY)
        guard kept >= 0, null >= 0 else { return }
        errors = FileHandle(fileDescriptor: kept, closeOnDealloc: true)
        dup2(null, STDOUT_FILENO)
        dup2(null, STDERR_FILENO)
        close(null)
    }

    /// What the program prints, as this rank shows it.
    static func printed(_ text: String) -> String { labelsPrinting ? labelled(text) : text }

    /// `text` with each line prefixed by the rank when several run.
    private static func labelled(_ text: String, world: World = .current) -> String {
        guard world.size > 1 else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { i, line in line.isEmpty && i > 0 ? "" : "[rank \(world.rank)] \(line)" }.joined(separator: "\n")
    }

    /// Reports an error on standard error, labelled by rank when several run.
    static func report(_ message: String) {
        errors.write(Data((labelled(message) + "\n").utf8))
    }
}
