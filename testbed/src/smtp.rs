//! A local SMTP receiver for tests: it speaks enough SMTP for a real client
//! (lettre) to deliver, keeps every message it accepted, and can refuse the
//! first few with a temporary error so that retries can be tested. It runs
//! on threads of its own and stops when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One message as it arrived: envelope and the raw RFC 5322 text.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpReceiver {
    addr: SocketAddr,
    messages: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl SmtpReceiver {
    /// Listens on a free loopback port.
    pub fn start() -> anyhow::Result<SmtpReceiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let receiver = SmtpReceiver { addr: listener.local_addr()?, messages: Arc::default(), refuse: Arc::default(), stop: Arc::default() };
        let (messages, refuse, stop) = (receiver.messages.clone(), receiver.refuse.clone(), receiver.stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (messages, refuse) = (messages.clone(), refuse.clone());
                        std::thread::spawn(move || {
                            let _ = session(stream, &messages, &refuse);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Ok(receiver)
    }

    /// `smtp://127.0.0.1:<port>`, for `[smtp] url`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answers the next `n` messages with `451` (try again later).
    pub fn refuse_next(&self, n: usize) {
        self.refuse.store(n, Ordering::Relaxed);
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn session(stream: TcpStream, messages: &Mutex<Vec<Received>>, refuse: &AtomicUsize) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 testbed ESMTP\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            out.write_all(b"250-testbed\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 OK\r\n")?;
        } else if upper.starts_with("HELO") || upper.starts_with("RSET") || upper.starts_with("NOOP") {
            out.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = command[10..].trim().to_string();
            to.clear();
            out.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().trim_matches(['<', '>']).to_string());
            out.write_all(b"250 OK\r\n")?;
        } else if upper == "DATA" {
            out.write_all(b"354 go ahead\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                // Dot-stuffing: a leading ".." stands for ".".
                data.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
            }
            let refused = refuse.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok();
            if refused {
                out.write_all(b"451 try again later\r\n")?;
            } else {
                if let Ok(mut m) = messages.lock() {
                    m.push(Received { from: from.clone(), to: to.clone(), data });
                }
                out.write_all(b"250 queued\r\n")?;
            }
        } else if upper == "QUIT" {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"502 not implemented\r\n")?;
        }
    }
}
