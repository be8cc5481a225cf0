// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * /dev/sidecar_guest: the partition's guest memory, the RAM the sidecar's VP
 * backend maps at guest-physical 0 (docs/vp-backend.md). A VMM maps it to
 * load guest images and to emulate the accesses its guests make; the
 * boot loader reserved it, so it belongs to no Linux allocator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <sidecar/uapi.h>

#include "sidecar_drv.h"

static phys_addr_t guest_pa;
static u64 guest_size;
static bool guest_registered;

/* Guest-physical [offset, offset + length), shared and nothing else. */
static int sidecar_guest_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;
	u64 offset;

	/* A private mapping would hide the guest's writes and the VMM's. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff > guest_size >> PAGE_SHIFT)
		return -EINVAL;
	offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	if (size > guest_size - offset)
		return -EINVAL;
	/*
	 * Write-back, as the nested page tables map it for the guest (the
	 * sidecar's NPT entries leave PAT at WB): both sides see one cached
	 * view of the memory.
	 */
	return remap_pfn_range(vma, vma->vm_start, (guest_pa + offset) >> PAGE_SHIFT, size,
			       vma->vm_page_prot);
}

static long sidecar_guest_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sidecar_ioctl_guest_info info = { .size = guest_size };

	if (cmd != SIDECAR_IOCTL_GUEST_INFO)
		return -ENOTTY;
	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static const struct file_operations sidecar_guest_fops = {
	.owner = THIS_MODULE,
	.mmap = sidecar_guest_mmap,
	.unlocked_ioctl = sidecar_guest_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static ssize_t size_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", guest_size);
}
static DEVICE_ATTR_RO(size);

static struct attribute *sidecar_guest_attrs[] = {
	&dev_attr_size.attr,
	NULL,
};
ATTRIBUTE_GROUPS(sidecar_guest);

static struct miscdevice sidecar_guest_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sidecar_guest",
	.fops = &sidecar_guest_fops,
	.mode = 0600,
	.groups = sidecar_guest_groups,
};

/*
 * Registers the device when the handoff names guest memory (the handoff
 * reader checked it: page aligned, no wrap, no System RAM).
 */
int sidecar_guest_register(const struct sidecar_config *cfg)
{
	u64 base = cfg->hdr.guest_memory_base, size = cfg->hdr.guest_memory_size;
	int ret;

	if (!size) {
		pr_info("no guest memory in the handoff block: no /dev/sidecar_guest\n");
		return 0;
	}
	guest_pa = base;
	guest_size = size;
	ret = misc_register(&sidecar_guest_misc);
	if (ret) {
		pr_err("cannot register /dev/sidecar_guest: %d\n", ret);
		return ret;
	}
	guest_registered = true;
	pr_info("guest memory: /dev/sidecar_guest, %llu MiB at %#llx\n", size >> 20, base);
	return 0;
}

void sidecar_guest_unregister(void)
{
	if (guest_registered)
		misc_deregister(&sidecar_guest_misc);
	guest_registered = false;
}
