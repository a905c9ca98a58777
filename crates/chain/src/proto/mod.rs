//! Wire messages (prost 0.14, written by hand from the `.proto` files; no code generation) and the
//! gRPC method paths of poktroll v0.1.35 and the Cosmos SDK v0.53. [CHAIN-GRPC-1]

pub mod cosmos;
pub mod pocket;

/// gRPC method paths (`/package.Service/Method`).
pub mod paths {
    /// `pocket.session.Query/GetSession`.
    pub const SESSION_GET_SESSION: &str = "/pocket.session.Query/GetSession";
    /// `pocket.session.Query/Params`.
    pub const SESSION_PARAMS: &str = "/pocket.session.Query/Params";
    /// `pocket.shared.Query/Params`.
    pub const SHARED_PARAMS: &str = "/pocket.shared.Query/Params";
    /// `pocket.shared.Query/ParamsAtHeight`.
    pub const SHARED_PARAMS_AT_HEIGHT: &str = "/pocket.shared.Query/ParamsAtHeight";
    /// `pocket.application.Query/Application`.
    pub const APPLICATION: &str = "/pocket.application.Query/Application";
    /// `pocket.application.Query/Params`.
    pub const APPLICATION_PARAMS: &str = "/pocket.application.Query/Params";
    /// `pocket.gateway.Query/Gateway`.
    pub const GATEWAY: &str = "/pocket.gateway.Query/Gateway";
    /// `pocket.supplier.Query/Supplier`.
    pub const SUPPLIER: &str = "/pocket.supplier.Query/Supplier";
    /// `pocket.supplier.Query/Params`.
    pub const SUPPLIER_PARAMS: &str = "/pocket.supplier.Query/Params";
    /// `pocket.service.Query/Service`.
    pub const SERVICE: &str = "/pocket.service.Query/Service";
    /// `pocket.service.Query/Params`.
    pub const SERVICE_PARAMS: &str = "/pocket.service.Query/Params";
    /// `pocket.service.Query/RelayMiningDifficultyAtHeight`.
    pub const DIFFICULTY_AT_HEIGHT: &str = "/pocket.service.Query/RelayMiningDifficultyAtHeight";
    /// `pocket.proof.Query/Params`.
    pub const PROOF_PARAMS: &str = "/pocket.proof.Query/Params";
    /// `pocket.proof.Query/Claim`.
    pub const CLAIM: &str = "/pocket.proof.Query/Claim";
    /// `pocket.proof.Query/AllClaims`.
    pub const ALL_CLAIMS: &str = "/pocket.proof.Query/AllClaims";
    /// `pocket.tokenomics.Query/Params`.
    pub const TOKENOMICS_PARAMS: &str = "/pocket.tokenomics.Query/Params";
    /// `cosmos.auth.v1beta1.Query/Account`.
    pub const AUTH_ACCOUNT: &str = "/cosmos.auth.v1beta1.Query/Account";
    /// `cosmos.bank.v1beta1.Query/Balance`.
    pub const BANK_BALANCE: &str = "/cosmos.bank.v1beta1.Query/Balance";
    /// `cosmos.tx.v1beta1.Service/BroadcastTx`.
    pub const TX_BROADCAST: &str = "/cosmos.tx.v1beta1.Service/BroadcastTx";
    /// `cosmos.tx.v1beta1.Service/Simulate`.
    pub const TX_SIMULATE: &str = "/cosmos.tx.v1beta1.Service/Simulate";
    /// `cosmos.tx.v1beta1.Service/GetTx`.
    pub const TX_GET: &str = "/cosmos.tx.v1beta1.Service/GetTx";
}
