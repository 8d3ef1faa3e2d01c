//! The spec suite on the real backend: OS threads, real time.

fn main() {
    let mut tests = Vec::new();
    weft_spec_tests::register_all::<weft_real::Real>(&mut tests);
    weft_spec_tests::harness::run("real", tests);
}
