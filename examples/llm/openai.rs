//! The slice of the OpenAI API the hosts speak (request validation, error bodies, the stand-in's
//! tokenizer), from the `pokt-standin` crate.

pub use pokt_standin::openai::*;
