import CZeroMQ
import Foundation

/// A libzmq context; every socket of the kernel is made from one.
final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init() throws {
        guard let handle = zmq_ctx_new() else { throw KernelError("libzmq could not create a context: \(ZMQSocket.lastError)") }
        self.handle = handle
    }

    /// Waits until every socket's queued messages have gone out (at most each socket's linger).
    func terminate() {
        while zmq_ctx_term(handle) != 0, zmq_errno() == EINTR {}
    }
}

/// One ZeroMQ socket. libzmq sockets are not thread-safe: each has one owning thread, except
/// iopub, which `Publisher` guards with a lock.
final class ZMQSocket: @unchecked Sendable {
    private var handle: UnsafeMutableRawPointer?

    static var lastError: String { String(cString: zmq_strerror(zmq_errno())) }

    /// Binds a socket of `type` (ZMQ_ROUTER, ZMQ_PUB, ZMQ_REP) to `endpoint`.
    init(_ context: ZMQContext, type: Int32, endpoint: String, channel: String) throws {
        handle = zmq_socket(context.handle, type)
        guard handle != nil else { throw KernelError("cannot create the \(channel) socket: \(ZMQSocket.lastError)") }
        // Queued replies get a second to leave when the kernel exits, then are dropped.
        var linger: Int32 = 1000
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        if type == ZMQ_ROUTER {
            // A client reconnecting under the same identity takes the route over.
            var handover: Int32 = 1
            zmq_setsockopt(handle, ZMQ_ROUTER_HANDOVER, &handover, MemoryLayout<Int32>.size)
        }
        guard zmq_bind(handle, endpoint) == 0 else {
            let reason = ZMQSocket.lastError
            zmq_close(handle)
            throw KernelError("cannot bind the \(channel) socket to \(endpoint): \(reason); is another kernel using the connection file's ports?")
        }
    }

    /// The next multipart message, waiting for it; nil when a signal interrupted the wait.
    func receive() -> [Data]? {
        var frames: [Data] = []
        repeat {
            var part = zmq_msg_t()
            zmq_msg_init(&part)
            defer { zmq_msg_close(&part) }
            guard zmq_msg_recv(&part, handle, 0) >= 0 else { return nil }
            frames.append(Data(bytes: zmq_msg_data(&part), count: zmq_msg_size(&part)))
            if zmq_msg_more(&part) == 0 { return frames }
        } while true
    }

    /// Sends `frames` as one multipart message; a signal does not cut it short.
    func send(_ frames: [Data]) {
        for (index, frame) in frames.enumerated() {
            let flags = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            frame.withUnsafeBytes { bytes in
                while zmq_send(handle, bytes.baseAddress, bytes.count, flags) < 0, zmq_errno() == EINTR {}
            }
        }
    }

    /// Which of `sockets` have a message waiting, after at most `milliseconds`.
    static func readable(_ sockets: [ZMQSocket], milliseconds: Int) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        guard zmq_poll(&items, Int32(items.count), milliseconds) > 0 else { return sockets.map { _ in false } }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }

    func close() {
        zmq_close(handle)
        handle = nil
    }
}
