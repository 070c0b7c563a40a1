//! The legacy license import (PRODUCT.md section 5), for the vendor admin's page and the
//! command line alike: the file is checked against the legacy table and the resellers, a
//! dry run says per row what happens, and a commit writes all rows or none, once per key.

use super::{Ctx, Error};
use crate::db::{catalogue, orders, orgs};
use crate::domain::import::{check_licenses, preview_licenses, LicensePreview, Problems};
use crate::domain::AccessRole;

/// What an import did.
#[derive(Debug)]
pub enum LicenseImport {
    /// The file has problems (by line); nothing was written.
    Refused(Problems),
    /// The dry run: what a commit would do.
    Preview(LicensePreview),
    /// Written: the file's rows, and the entries added (rows imported before are left alone).
    Imported {
        rows: usize,
        added: usize,
        preview: LicensePreview,
    },
}

/// Checks a legacy license file as it is read and, with `commit`, imports it in one
/// transaction.
pub async fn import(
    ctx: &Ctx,
    file: impl std::io::Read,
    commit: bool,
) -> Result<LicenseImport, Error> {
    ctx.require(
        ctx.is_system() || ctx.role == Some(AccessRole::VendorAdmin),
        "import licenses",
    )
    .await?;
    let pool = &ctx.db.pool;
    // The legacy table, the same in every price book.
    let snapshot = catalogue::unpriced(pool).await?;
    let resellers = orgs::reseller_names_lowercase(pool).await?;
    let rows = match check_licenses(file, &snapshot.legacy, &resellers) {
        Ok(rows) => rows,
        Err(problems) => return Ok(LicenseImport::Refused(problems)),
    };
    // The preview takes the rows; the names and keys it was worked out from are let go
    // before the commit writes them.
    let preview = {
        let named: std::collections::HashSet<String> =
            rows.iter().map(|r| r.reseller.to_lowercase()).collect();
        let known = orders::end_customers_of_resellers(pool, &named).await?;
        let imported =
            orders::imported_keys(pool, rows.iter().map(|r| r.license_key.as_str())).await?;
        preview_licenses(rows, &imported, &known, ctx.today)
    };
    if !commit {
        return Ok(LicenseImport::Preview(preview));
    }
    let mut tx = pool.begin().await?;
    let added = orders::import_licenses(&mut tx, &preview.checked, ctx.now).await?;
    crate::db::audit::record(
        &mut *tx,
        &ctx.actor,
        "licenses_imported",
        "legacy licenses",
        &format!("{} rows, {added} new entries", preview.rows()),
        ctx.now,
    )
    .await?;
    tx.commit().await?;
    Ok(LicenseImport::Imported {
        rows: preview.rows(),
        added,
        preview,
    })
}
