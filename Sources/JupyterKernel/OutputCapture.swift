import Foundation

/// Standard output and standard error of the kernel process, redirected into pipes and published
/// as `stream` messages: what the language writes to the descriptors itself (a training run's
/// progress on standard error) appears under the running cell, not in the server's log.
final class OutputCapture: @unchecked Sendable {
    private let publisher: Publisher
    /// The read ends, with the stream name each one publishes as.
    private let pipes: [(descriptor: Int32, name: String)]
    private let lock = NSLock()
    /// What `drain` reads into, under `lock`: allocated once, as it runs before every message.
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(publisher: Publisher) throws {
        self.publisher = publisher
        KernelLog.descriptor = dup(STDERR_FILENO)
        var captured: [(Int32, String)] = []
        for (target, name) in [(STDOUT_FILENO, "stdout"), (STDERR_FILENO, "stderr")] {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0, dup2(ends[1], target) >= 0 else {
                throw KernelError("cannot capture \(name): \(String(cString: strerror(errno)))")
            }
            close(ends[1])
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            captured.append((ends[0], name))
        }
        pipes = captured
        // The C library buffers a pipe in blocks; a line at a time keeps the output live.
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    /// Publishes what has been written so far. Called before each message the shell sends, so
    /// that captured output keeps its place among the cell's outputs.
    func drain() {
        fflush(nil)
        lock.withLock {
            for (descriptor, name) in pipes {
                var text = Data()
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count <= 0 { break }
                    text.append(contentsOf: buffer[..<count])
                }
                if !text.isEmpty { publisher.publish("stream", ["name": .string(name), "text": .string(String(decoding: text, as: UTF8.self))]) }
            }
        }
    }

    /// Publishes output as it arrives, on the calling thread, until `stopping` says to end.
    func forward(until stopping: () -> Bool) {
        var items = pipes.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        while !stopping() {
            if poll(&items, nfds_t(items.count), 100) > 0 { drain() }
        }
    }
}
