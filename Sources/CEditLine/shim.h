#ifndef CEDITLINE_SHIM_H
#define CEDITLINE_SHIM_H
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/select.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
/* Not <readline/readline.h>: with libreadline-dev installed that is GNU readline, not libedit. */
#include <editline/readline.h>
#include <histedit.h>
/* Swift cannot assign libedit's global variables under strict concurrency; these setters can. */
static inline void ce_set_attempted_completion(rl_completion_func_t *fn) { rl_attempted_completion_function = fn; }
static inline void ce_set_completion_append_character(int c) { rl_completion_append_character = c; }
static inline void ce_set_basic_word_break_characters(const char *s) { rl_basic_word_break_characters = s; }
static inline void ce_set_readline_name(const char *s) { rl_readline_name = s; }
static inline void ce_set_getc_function(int (*fn)(FILE *)) { rl_getc_function = fn; }

/* Signals: the stopping signals (Interrupts.stopping, in Swift) set flags and write a byte to a pipe, so a thread
   waiting for a key wakes whichever thread the kernel ran the handler on. */
static int ce_wake_fds[2] = {-1, -1};

/* Makes the wake pipe, both ends non-blocking: the handler must never block on a full pipe. */
static inline int ce_make_wake_pipe(void) {
    if (ce_wake_fds[0] >= 0) return 0;
    if (pipe(ce_wake_fds) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(ce_wake_fds[i], F_SETFL, fcntl(ce_wake_fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(ce_wake_fds[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

/* Whether `signo` is ignored, as `nohup` leaves SIGHUP for the program it starts. */
static inline int ce_signal_is_ignored(int signo) {
    struct sigaction current;
    return sigaction(signo, NULL, &current) == 0 && current.sa_handler == SIG_IGN;
}

/* Async-signal-safe: called from the signal handler. */
static inline void ce_wake(void) {
    int saved = errno;
    char byte = 1;
    if (ce_wake_fds[1] >= 0 && write(ce_wake_fds[1], &byte, 1) < 0) {}
    errno = saved;
}

/* Empties the pipe of wake-ups that have been seen. */
static inline void ce_drain_wakes(void) {
    char bytes[64];
    if (ce_wake_fds[0] < 0) return;
    while (read(ce_wake_fds[0], bytes, sizeof bytes) > 0) {}
}

/* A second, non-blocking open of the terminal on `fd`: the terminal flushes unread input when
   Ctrl-C is typed, so a blocking read after select said "readable" could wait forever; this
   descriptor's own O_NONBLOCK leaves the shell's shared one alone. -1 if `fd` is no terminal. */
static inline int ce_open_nonblocking_terminal(int fd) {
    if (!isatty(fd)) return -1;
    const char *name = ttyname(fd);
    return name ? open(name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : -1;
}

/* Reads one byte of the terminal `fd` into `byte` (through `nonblocking`, from
   ce_open_nonblocking_terminal), waiting with the signals of `stopping` unblocked only while
   waiting.
   Returns 1 with a byte, 0 when a signal or a wake-up came first, -1 at end of input or on error. */
static inline int ce_read_key_byte(int fd, int nonblocking, const sigset_t *stopping, unsigned char *byte) {
    for (;;) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        if (ce_wake_fds[0] >= 0) FD_SET(ce_wake_fds[0], &readable);
        int highest = fd > ce_wake_fds[0] ? fd : ce_wake_fds[0];
        sigset_t during;
        pthread_sigmask(SIG_SETMASK, NULL, &during);
        for (int signo = 1; signo < NSIG; signo++) {
            if (sigismember(stopping, signo) == 1) sigdelset(&during, signo);
        }
        int ready = pselect(highest + 1, &readable, NULL, NULL, NULL, &during);
        if (ready < 0) return errno == EINTR ? 0 : -1;
        if (ce_wake_fds[0] >= 0 && FD_ISSET(ce_wake_fds[0], &readable)) return 0;
        ssize_t count = read(nonblocking >= 0 ? nonblocking : fd, byte, 1);
        if (count == 1) return 1;
        if (count == 0) return -1;
        if (errno != EAGAIN && errno != EINTR) return -1;
    }
}
#endif
