//! The golden outputs of `naftiko-codegen`'s fixtures (`../fixtures/NAME/expected/`), compiled: a golden file that
//! does not build fails the workspace build, and so the suite. Regenerate them with `cargo xtask regen`. The shaped
//! fixture's adapters are also served in front of the recording mock upstream (`shaped_tests`).

#[rustfmt::skip]
#[path = "../../fixtures/minimal/expected/mod.rs"]
pub mod minimal;

#[rustfmt::skip]
#[path = "../../fixtures/kitchen-sink/expected/mod.rs"]
pub mod kitchen_sink;

#[rustfmt::skip]
#[path = "../../fixtures/renamed/expected/mod.rs"]
pub mod renamed;

#[rustfmt::skip]
#[path = "../../fixtures/shaped/expected/mod.rs"]
pub mod shaped;

#[cfg(test)]
mod shaped_tests;

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

    /// The rename file next to the fixture's spec chose these Rust names; the spec's names stay on the wire.
    #[test]
    fn renamed_names_are_the_rename_files() {
        use super::renamed::client::{
            ArchiveClient, Bindings, Clients, GetitemQuery, ListItemsQuery, MY_API_BASE_URI,
            MyApiClient,
        };
        use super::renamed::{mcp, rest};
        use naftiko_runtime::client::{Auth, Transport, TransportConfig};

        let transport =
            Transport::new(TransportConfig::new("http://127.0.0.1:9", Auth::None)).unwrap();
        let clients = Clients {
            my_api: MyApiClient::new(transport.clone()),
            archive: ArchiveClient::new(transport),
            bindings: Bindings { token: None },
        };
        let q = GetitemQuery {
            kind: Some("full".into()),
        };
        // Only the types are checked here; nothing is sent.
        drop(clients.my_api.getitem("i1", &q));
        drop(
            clients
                .archive
                .list_items(&ListItemsQuery { limit: Some(5) }),
        );
        assert_eq!(MY_API_BASE_URI, "https://items.example");
        assert_eq!(
            rest::ITEMS_ROUTES,
            &[("GET", "/items/{id}"), ("GET", "/archive")]
        );
        let _router: fn(std::sync::Arc<Clients>) -> axum::Router = rest::items_router;
        assert_eq!(mcp::AGENTS_NAME, "items-mcp");
        assert_eq!(mcp::AGENTS_TOOLS[0].name, "getitem");
        assert!(mcp::AGENTS_TOOLS[0].input_schema.contains(r#""type":{"#));
        let _server: fn(std::sync::Arc<Clients>) -> mcp::AgentsServer = mcp::AgentsServer::new;
    }
}
