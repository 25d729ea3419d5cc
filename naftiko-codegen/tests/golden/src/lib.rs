//! The golden outputs of `naftiko-codegen`'s fixtures (`../fixtures/NAME/expected/`), compiled: a golden file that
//! does not build fails the workspace build, and so the suite. Regenerate them with `cargo xtask regen`.

#[rustfmt::skip]
#[path = "../../fixtures/minimal/expected/mod.rs"]
pub mod minimal;

#[rustfmt::skip]
#[path = "../../fixtures/kitchen-sink/expected/mod.rs"]
pub mod kitchen_sink;

#[cfg(test)]
mod tests {
    use super::kitchen_sink::client::{ListProductsQuery, ShopClient, StatusClient};
    use naftiko_runtime::client::{Auth, Transport, TransportConfig};

    /// The generated signatures are the ones the fixture promises (a change here is a change of the client's API).
    #[test]
    fn generated_api_has_the_expected_shape() {
        let transport =
            Transport::new(TransportConfig::new("http://127.0.0.1:9", Auth::None)).unwrap();
        let shop = ShopClient::new(transport.clone());
        let status = StatusClient::new(transport);
        let q = ListProductsQuery {
            currency: "EUR".into(),
            type_: Some("t".into()),
            min_price: Some(1.5),
            in_stock: Some(true),
            search_params: Some([("search.name".to_owned(), "x".to_owned())].into()),
            ..Default::default()
        };
        // Only the types are checked here; nothing is sent.
        drop(shop.list_products(&q));
        drop(shop.create_product(Some(&serde_json::json!({"name": "p"}))));
        drop(shop.getvariant("p", "v"));
        drop(shop.replacevariant("p", "v", Some(&serde_json::json!({}))));
        drop(status.health());
        assert_eq!(
            super::kitchen_sink::client::SHOP_BASE_URI,
            "https://[region].[tenant].shop.example"
        );
        assert_eq!(
            super::kitchen_sink::client::SHOP_BASE_URI_PLACEHOLDERS,
            &["region", "tenant"]
        );
        assert_eq!(
            super::minimal::client::NOTES_BEARER_TOKEN_VAR,
            "NOTES_TOKEN"
        );
    }
}
