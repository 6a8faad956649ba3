//! `segur … | head`: a reader that closes the pipe early must not make the
//! command panic or fail.

use std::process::{Command, Stdio};

#[test]
fn closed_stdout_pipe_is_not_a_failure() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_segur"))
        .args(["conformance", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn segur");
    // Close the read end before the command writes anything.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for segur");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
}
