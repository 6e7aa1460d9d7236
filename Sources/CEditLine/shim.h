#ifndef CEDITLINE_SHIM_H
#define CEDITLINE_SHIM_H
#include <errno.h>
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

/* Waits until `fd` has input, with SIGINT unblocked only while waiting. The caller keeps SIGINT
   blocked around readline, so a Ctrl-C that arrives while libedit draws or echoes stays pending
   and is delivered here, atomically with the wait (POSIX pselect), instead of landing just before
   a blocking read() and being missed. Returns 1 when readable, 0 when a signal interrupted the
   wait, -1 on error. */
static inline int ce_wait_for_input(int fd) {
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(fd, &readable);
    sigset_t during;
    pthread_sigmask(SIG_SETMASK, NULL, &during);
    sigdelset(&during, SIGINT);
    int ready = pselect(fd + 1, &readable, NULL, NULL, NULL, &during);
    if (ready > 0) return 1;
    return (ready < 0 && errno == EINTR) ? 0 : -1;
}
#endif
