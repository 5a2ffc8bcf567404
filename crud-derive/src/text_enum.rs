//! `#[derive(CrudEnum)]`: a field-less enum stored as text and sent as a JSON string.

use crate::attr::path_name;
use crate::case::snake_case;
use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr, Path};

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut cx = Ctxt::default();
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`CrudEnum` can only be derived for an enum",
        ));
    };
    if !input.generics.params.is_empty() {
        cx.error(&input.generics, "`CrudEnum` enums cannot be generic");
    }
    if data.variants.is_empty() {
        cx.error(&input.ident, "`CrudEnum` needs at least one variant");
    }
    let mut krate: Option<LitStr> = None;
    for attr in input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("crud"))
    {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                if krate.is_some() {
                    return Err(meta.error("duplicate crud attribute `crate`"));
                }
                krate = Some(meta.value()?.parse()?);
                return Ok(());
            }
            Err(meta.error(format!(
                "unknown crud attribute `{}` on the enum; `CrudEnum` reads `crate = \"...\"` \
                 on the enum and `rename = \"...\"` on a variant",
                path_name(&meta.path)
            )))
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    let krate: Path = match &krate {
        None => syn::parse_quote!(::crud_core),
        Some(lit) => lit.parse().unwrap_or_else(|_| {
            cx.error(
                lit,
                "`crate` must be the path of crud-core, such as `\"my_crud\"`",
            );
            syn::parse_quote!(::crud_core)
        }),
    };
    let mut variants = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error(&variant.ident, "`CrudEnum` variants cannot have fields");
        }
        let mut name = None;
        for attr in variant
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("crud"))
        {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if name.is_some() {
                        return Err(meta.error("duplicate crud attribute `rename`"));
                    }
                    name = Some(meta.value()?.parse::<LitStr>()?.value());
                    Ok(())
                } else {
                    Err(meta.error(format!(
                        "unknown crud attribute `{}`; expected `rename = \"...\"`",
                        path_name(&meta.path)
                    )))
                }
            });
            if let Err(error) = result {
                cx.syn_error(error);
            }
        }
        let name = name.unwrap_or_else(|| snake_case(&variant.ident.to_string()));
        if variants.iter().any(|(_, seen)| *seen == name) {
            cx.error(&variant.ident, format!("two variants are named `{name}`"));
        }
        variants.push((&variant.ident, name));
    }
    cx.check()?;
    let ident = &input.ident;
    let to_str = variants
        .iter()
        .map(|(variant, name)| quote!(Self::#variant => #name,));
    let from_str = variants
        .iter()
        .map(|(variant, name)| quote!(#name => ::core::option::Option::Some(Self::#variant),));
    let names = variants.iter().map(|(_, name)| name);
    Ok(quote! {
        const _: () = {
            #[automatically_derived]
            impl #krate::column::TextEnum for #ident {
                const NAMES: &'static [&'static str] = &[#(#names),*];

                fn as_str(&self) -> &'static str {
                    match self { #(#to_str)* }
                }

                fn from_name(__crud_name: &str) -> ::core::option::Option<Self> {
                    match __crud_name {
                        #(#from_str)*
                        _ => ::core::option::Option::None,
                    }
                }
            }
            #krate::text_enum_impls!(#ident);
        };
    })
}
