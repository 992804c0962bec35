//! `stackr import FILE ADDRESS AWS_ID`: adopt an existing resource.

use super::Failure;
use super::run::{Opened, command_line, open, runtime};
use crate::cli::{ColorChoice, ImportArgs};
use stackr_state::ResourceState;

pub fn run(a: &ImportArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let opened = open(&a.stack, color, None).await?;
        opened.locked(&command_line(), async |o: &Opened| import(o, a).await).await
    })
}

async fn import(o: &Opened, a: &ImportArgs) -> Result<u8, Failure> {
    let stack = &o.stack;
    let addr = stackr_core::Address::parse(&a.address)
        .ok_or_else(|| Failure::Message(format!("`{}` is not an address", a.address)))?;
    let Some(ii) = stack.instance_by_address(&addr) else {
        let names: Vec<String> = stack.instances.iter().map(|i| i.address.to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        return Err(Failure::Message(format!(
            "the stack has no `{}`; {}",
            a.address,
            stackr_core::diag::suggest(&a.address, &names, "addresses")
        )));
    };
    let inst = &stack.instances[ii];
    // The stack's own spelling (`subnet["a"]` and `subnet[a]` are one
    // address), as apply and `state` look it up.
    let address = inst.address.to_string();
    let res = stack.resource_of(inst);
    let (mut state, version) = o.session.load(&stack.name).await.map_err(|e| o.fail(e))?;
    if let Some(r) = state.resources.get(&address) {
        return Err(Failure::Message(format!("`{address}` is already in state as {}", r.id)));
    }
    let rec = o
        .session
        .providers
        .get(res.schema.kind)
        .ok_or_else(|| Failure::Message(format!("no reconciler for `{}` in this build", res.schema.kind)))?;
    let observed = rec
        .observe(&inst.region, std::slice::from_ref(&a.id))
        .await
        .map_err(|e| Failure::Message(format!("observing {}: {e}", a.id)))?;
    let Some(Some(obs)) = observed.into_iter().next() else {
        return Err(Failure::Message(format!("no {} with id {} in {}", res.schema.kind, a.id, inst.region)));
    };
    // Made by another stack (its `stackr:stack` tag): importing it would
    // let two stacks manage it, and either could replace or delete it.
    if let Some(owner) = obs.tags.get("stackr:stack").filter(|owner| *owner != &stack.name) {
        return Err(Failure::Message(format!(
            "{} belongs to stack `{owner}` (its `stackr:stack` tag); importing it into `{}` would let both \
             manage it, and either could replace or delete it.\n  To move it here: `stackr state rm` it in \
             `{owner}`, remove its `stackr:stack` tag, then import it again",
            obs.id, stack.name
        )));
    }
    if let Some((other, _)) = state.resources.iter().find(|(_, r)| r.kind == res.schema.kind && r.id == obs.id) {
        return Err(Failure::Message(format!(
            "{} is already in state as `{other}`; one resource has one address (`stackr state mv` renames it)",
            obs.id
        )));
    }
    let attributes = obs.attributes_json();
    let dependencies = stackr_engine::apply::dependency_addresses(stack, ii);
    state.resources.insert(
        address.clone(),
        ResourceState {
            kind: res.schema.kind.to_string(),
            region: inst.region.clone(),
            id: obs.id.clone(),
            // As observed, of what the stack writes: a property it leaves
            // out is AWS's, never "left the stack" at the next apply.
            properties: {
                let mut p = obs.properties_json(res.schema);
                // (Written as null: not managed, not recorded either.)
                p.retain(|k, _| {
                    res.properties.iter().any(|(key, t)| {
                        key.name == *k
                            && !matches!(t, stackr_core::lang::tree::Tree::Scalar(stackr_core::value::Value::Null, _))
                    })
                });
                p
            },
            attributes,
            dependencies,
            protect: res.lifecycle.protect,
            retain: res.lifecycle.retain,
            secret_digests: Default::default(),
            unready: false,
        },
    );
    state.serial += 1;
    o.session.store.save(&state, version.as_deref()).await.map_err(|e| o.fail(e.into()))?;
    eprintln!("Imported {} as `{address}`. Run `stackr diff` to see how it differs from the stack.", obs.id);
    Ok(0)
}
