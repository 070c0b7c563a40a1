// sqlx::migrate! embeds the migrations at compile time: rebuild when a file is added or changed
// under migrations/ (cargo would otherwise not notice a new .sql file).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
