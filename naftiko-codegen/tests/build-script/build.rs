fn main() -> Result<(), Box<dyn std::error::Error>> {
    naftiko_codegen::Config::new("spec.yaml").write()?;
    Ok(())
}
