//! Cosmos SDK v0.53 messages the client and the devnet exchange: transactions (SIGN_MODE_DIRECT),
//! accounts, balances and the transaction service. Field numbers are those of the SDK's `.proto`
//! files (`cosmos/tx/v1beta1`, `cosmos/auth/v1beta1`, `cosmos/bank/v1beta1`,
//! `cosmos/base/abci/v1beta1`, `cosmos/crypto/secp256k1`, `tendermint/abci`). [CHAIN-TX-1]

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Any {
    /// The message's type URL, e.g. `/pocket.proof.MsgCreateClaim`.
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// The message's encoding.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `cosmos.base.v1beta1.Coin` (the amount is a decimal string).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Coin {
    /// The denomination, `upokt` on POKT.
    #[prost(string, tag = "1")]
    pub denom: String,
    /// The amount as a decimal integer string.
    #[prost(string, tag = "2")]
    pub amount: String,
}

/// `cosmos.tx.v1beta1.TxBody`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TxBody {
    /// The messages.
    #[prost(message, repeated, tag = "1")]
    pub messages: Vec<Any>,
    /// A free memo.
    #[prost(string, tag = "2")]
    pub memo: String,
    /// The last height the transaction may be included at (0: none).
    #[prost(uint64, tag = "3")]
    pub timeout_height: u64,
    /// Unordered transactions (SDK v0.53; refused by the devnet).
    #[prost(bool, tag = "4")]
    pub unordered: bool,
    /// Critical extension options (refused by the devnet).
    #[prost(message, repeated, tag = "1023")]
    pub extension_options: Vec<Any>,
    /// Non-critical extension options (ignored).
    #[prost(message, repeated, tag = "2047")]
    pub non_critical_extension_options: Vec<Any>,
}

/// `cosmos.tx.v1beta1.AuthInfo`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct AuthInfo {
    /// One per required signer.
    #[prost(message, repeated, tag = "1")]
    pub signer_infos: Vec<SignerInfo>,
    /// The fee and gas limit.
    #[prost(message, optional, tag = "2")]
    pub fee: Option<Fee>,
}

/// `cosmos.tx.v1beta1.SignerInfo`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SignerInfo {
    /// The signer's public key (`/cosmos.crypto.secp256k1.PubKey`).
    #[prost(message, optional, tag = "1")]
    pub public_key: Option<Any>,
    /// The signing mode.
    #[prost(message, optional, tag = "2")]
    pub mode_info: Option<ModeInfo>,
    /// The account sequence the signature commits to.
    #[prost(uint64, tag = "3")]
    pub sequence: u64,
}

/// `cosmos.tx.v1beta1.ModeInfo` (the single-signer arm only).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ModeInfo {
    /// A single signer's mode.
    #[prost(message, optional, tag = "1")]
    pub single: Option<ModeInfoSingle>,
}

/// `cosmos.tx.v1beta1.ModeInfo.Single`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ModeInfoSingle {
    /// `cosmos.tx.signing.v1beta1.SignMode` (1 = SIGN_MODE_DIRECT).
    #[prost(int32, tag = "1")]
    pub mode: i32,
}

/// `SIGN_MODE_DIRECT`.
pub const SIGN_MODE_DIRECT: i32 = 1;

/// `cosmos.tx.v1beta1.Fee`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Fee {
    /// The fee coins.
    #[prost(message, repeated, tag = "1")]
    pub amount: Vec<Coin>,
    /// The gas limit.
    #[prost(uint64, tag = "2")]
    pub gas_limit: u64,
    /// Fee payer (empty: the first signer).
    #[prost(string, tag = "3")]
    pub payer: String,
    /// Fee granter (empty: none).
    #[prost(string, tag = "4")]
    pub granter: String,
}

/// `cosmos.tx.v1beta1.SignDoc`: what SIGN_MODE_DIRECT signs.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SignDoc {
    /// `TxBody` bytes, as in the `TxRaw`.
    #[prost(bytes = "vec", tag = "1")]
    pub body_bytes: Vec<u8>,
    /// `AuthInfo` bytes, as in the `TxRaw`.
    #[prost(bytes = "vec", tag = "2")]
    pub auth_info_bytes: Vec<u8>,
    /// The chain id.
    #[prost(string, tag = "3")]
    pub chain_id: String,
    /// The signer's account number.
    #[prost(uint64, tag = "4")]
    pub account_number: u64,
}

/// `cosmos.tx.v1beta1.TxRaw`: what is broadcast and hashed.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TxRaw {
    /// `TxBody` bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub body_bytes: Vec<u8>,
    /// `AuthInfo` bytes.
    #[prost(bytes = "vec", tag = "2")]
    pub auth_info_bytes: Vec<u8>,
    /// One signature per signer.
    #[prost(bytes = "vec", repeated, tag = "3")]
    pub signatures: Vec<Vec<u8>>,
}

/// `cosmos.tx.v1beta1.Tx` (decoded form returned by `GetTx`).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Tx {
    /// The body.
    #[prost(message, optional, tag = "1")]
    pub body: Option<TxBody>,
    /// The auth info.
    #[prost(message, optional, tag = "2")]
    pub auth_info: Option<AuthInfo>,
    /// The signatures.
    #[prost(bytes = "vec", repeated, tag = "3")]
    pub signatures: Vec<Vec<u8>>,
}

/// `cosmos.crypto.secp256k1.PubKey`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Secp256k1PubKey {
    /// 33-byte compressed key.
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
}

/// Type URL of [`Secp256k1PubKey`].
pub const SECP256K1_PUBKEY_URL: &str = "/cosmos.crypto.secp256k1.PubKey";
/// Type URL of [`BaseAccount`].
pub const BASE_ACCOUNT_URL: &str = "/cosmos.auth.v1beta1.BaseAccount";

/// `cosmos.auth.v1beta1.BaseAccount`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct BaseAccount {
    /// Bech32 address.
    #[prost(string, tag = "1")]
    pub address: String,
    /// Public key, once known.
    #[prost(message, optional, tag = "2")]
    pub pub_key: Option<Any>,
    /// Account number.
    #[prost(uint64, tag = "3")]
    pub account_number: u64,
    /// Next sequence.
    #[prost(uint64, tag = "4")]
    pub sequence: u64,
}

/// `cosmos.auth.v1beta1.QueryAccountRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryAccountRequest {
    /// Bech32 address.
    #[prost(string, tag = "1")]
    pub address: String,
}

/// `cosmos.auth.v1beta1.QueryAccountResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryAccountResponse {
    /// The account, `Any`-wrapped.
    #[prost(message, optional, tag = "1")]
    pub account: Option<Any>,
}

/// `cosmos.bank.v1beta1.QueryBalanceRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryBalanceRequest {
    /// Bech32 address.
    #[prost(string, tag = "1")]
    pub address: String,
    /// Denomination.
    #[prost(string, tag = "2")]
    pub denom: String,
}

/// `cosmos.bank.v1beta1.QueryBalanceResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct QueryBalanceResponse {
    /// The balance.
    #[prost(message, optional, tag = "1")]
    pub balance: Option<Coin>,
}

/// `cosmos.tx.v1beta1.BroadcastTxRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct BroadcastTxRequest {
    /// `TxRaw` bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub tx_bytes: Vec<u8>,
    /// `BroadcastMode` (2 = SYNC: answer after CheckTx).
    #[prost(int32, tag = "2")]
    pub mode: i32,
}

/// `BROADCAST_MODE_SYNC`.
pub const BROADCAST_MODE_SYNC: i32 = 2;

/// `cosmos.tx.v1beta1.BroadcastTxResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct BroadcastTxResponse {
    /// The result of CheckTx.
    #[prost(message, optional, tag = "1")]
    pub tx_response: Option<TxResponse>,
}

/// `cosmos.tx.v1beta1.SimulateRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SimulateRequest {
    /// `TxRaw` bytes (field 1, the deprecated decoded `Tx`, is not used).
    #[prost(bytes = "vec", tag = "2")]
    pub tx_bytes: Vec<u8>,
}

/// `cosmos.tx.v1beta1.SimulateResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SimulateResponse {
    /// Gas wanted and used.
    #[prost(message, optional, tag = "1")]
    pub gas_info: Option<GasInfo>,
    /// The execution result.
    #[prost(message, optional, tag = "2")]
    pub result: Option<AbciResult>,
}

/// `cosmos.base.abci.v1beta1.GasInfo`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct GasInfo {
    /// Gas limit of the transaction.
    #[prost(uint64, tag = "1")]
    pub gas_wanted: u64,
    /// Gas consumed.
    #[prost(uint64, tag = "2")]
    pub gas_used: u64,
}

/// `cosmos.base.abci.v1beta1.Result`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct AbciResult {
    /// Message responses (deprecated bytes).
    #[prost(bytes = "vec", tag = "1")]
    pub data: Vec<u8>,
    /// The log.
    #[prost(string, tag = "2")]
    pub log: String,
    /// Events.
    #[prost(message, repeated, tag = "3")]
    pub events: Vec<AbciEvent>,
}

/// `cosmos.tx.v1beta1.GetTxRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct GetTxRequest {
    /// Upper-case hex hash.
    #[prost(string, tag = "1")]
    pub hash: String,
}

/// `cosmos.tx.v1beta1.GetTxResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct GetTxResponse {
    /// The decoded transaction.
    #[prost(message, optional, tag = "1")]
    pub tx: Option<Tx>,
    /// Its result.
    #[prost(message, optional, tag = "2")]
    pub tx_response: Option<TxResponse>,
}

/// `cosmos.base.abci.v1beta1.TxResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct TxResponse {
    /// Inclusion height (0 before inclusion).
    #[prost(int64, tag = "1")]
    pub height: i64,
    /// Upper-case hex hash.
    #[prost(string, tag = "2")]
    pub txhash: String,
    /// Error namespace (`sdk`, `proof`, …).
    #[prost(string, tag = "3")]
    pub codespace: String,
    /// 0 on success.
    #[prost(uint32, tag = "4")]
    pub code: u32,
    /// Result data (hex).
    #[prost(string, tag = "5")]
    pub data: String,
    /// The log (the error message when `code` ≠ 0).
    #[prost(string, tag = "6")]
    pub raw_log: String,
    /// Extra information.
    #[prost(string, tag = "8")]
    pub info: String,
    /// Gas limit.
    #[prost(int64, tag = "9")]
    pub gas_wanted: i64,
    /// Gas consumed.
    #[prost(int64, tag = "10")]
    pub gas_used: i64,
    /// The block time (RFC 3339).
    #[prost(string, tag = "12")]
    pub timestamp: String,
    /// Events.
    #[prost(message, repeated, tag = "13")]
    pub events: Vec<AbciEvent>,
}

/// `tendermint.abci.Event`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct AbciEvent {
    /// Event type, e.g. `pocket.proof.EventClaimCreated`.
    #[prost(string, tag = "1")]
    pub r#type: String,
    /// Attributes.
    #[prost(message, repeated, tag = "2")]
    pub attributes: Vec<AbciEventAttribute>,
}

/// `tendermint.abci.EventAttribute`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct AbciEventAttribute {
    /// Key.
    #[prost(string, tag = "1")]
    pub key: String,
    /// Value.
    #[prost(string, tag = "2")]
    pub value: String,
    /// Whether indexed.
    #[prost(bool, tag = "3")]
    pub index: bool,
}

/// `cosmos.base.query.v1beta1.PageRequest`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct PageRequest {
    /// Continue after this key.
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    /// Offset (when no key).
    #[prost(uint64, tag = "2")]
    pub offset: u64,
    /// Page size.
    #[prost(uint64, tag = "3")]
    pub limit: u64,
    /// Count the total.
    #[prost(bool, tag = "4")]
    pub count_total: bool,
    /// Reverse order.
    #[prost(bool, tag = "5")]
    pub reverse: bool,
}

/// `cosmos.base.query.v1beta1.PageResponse`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct PageResponse {
    /// Key of the next page (empty: last page).
    #[prost(bytes = "vec", tag = "1")]
    pub next_key: Vec<u8>,
    /// Total, when counted.
    #[prost(uint64, tag = "2")]
    pub total: u64,
}
